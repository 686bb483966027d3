import { ValidationFailedError } from '../common/errors/domain.error';
import { HoldNotFoundError } from '../holds/hold.errors';
import { InsufficientStockError } from '../products/product.errors';
import {
  fingerprintOf,
  IDEMPOTENCY_KEY_TTL_MS,
  isFresh,
  isStoredRefusal,
  parseIdempotencyKey,
} from './idempotency.rules';

describe('idempotency rules', () => {
  describe(parseIdempotencyKey.name, () => {
    it('should accept no header and any 1-255 printable ASCII characters', () => {
      expect(parseIdempotencyKey(undefined)).toBeUndefined();
      expect(parseIdempotencyKey('3f1c2a9e-7d4b-4c1e-9a65-2b8f0e4d1c77')).toBe(
        '3f1c2a9e-7d4b-4c1e-9a65-2b8f0e4d1c77',
      );
      expect(parseIdempotencyKey('x'.repeat(255))).toHaveLength(255);
    });

    it('should refuse empty, too long, non-ASCII and repeated headers with VALIDATION_FAILED', () => {
      for (const header of ['', 'x'.repeat(256), 'clé', 'a\u0000b', ['a', 'b']]) {
        expect(() => parseIdempotencyKey(header)).toThrow(ValidationFailedError);
      }
    });
  });

  describe(fingerprintOf.name, () => {
    it('should ignore key order and spacing but not values', () => {
      expect(fingerprintOf(JSON.parse('{"a": 1, "b": {"y": [1, 2], "x": null}}'))).toBe(
        fingerprintOf({ b: { x: null, y: [1, 2] }, a: 1 }),
      );
      expect(fingerprintOf({ a: 1 })).not.toBe(fingerprintOf({ a: '1' }));
      expect(fingerprintOf({ a: [1, 2] })).not.toBe(fingerprintOf({ a: [2, 1] }));
      expect(fingerprintOf(undefined)).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe(isFresh.name, () => {
    it('should keep a key for 24 hours', () => {
      const now = new Date('2026-11-26T12:00:00Z');
      expect(isFresh(new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS + 1), now)).toBe(true);
      expect(isFresh(new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS), now)).toBe(false);
    });
  });

  describe(isStoredRefusal.name, () => {
    it('should store refusals about the resource, not validation, transient or unexpected failures', () => {
      expect(isStoredRefusal(new InsufficientStockError(5, 2))).toBe(true);
      expect(isStoredRefusal(new HoldNotFoundError(1))).toBe(true);
      expect(isStoredRefusal(new ValidationFailedError({ quantity: ['too big'] }))).toBe(false);
      expect(isStoredRefusal(new Error('connect ECONNREFUSED'))).toBe(false);
      expect(isStoredRefusal({ kind: 'conflict' })).toBe(false);
    });
  });
});

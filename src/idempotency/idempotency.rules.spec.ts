import { AdminDisabledError, AdminUnauthorizedError } from '../admin/admin.errors';
import {
  DatabaseUnavailableError,
  DomainError,
  ServiceBusyError,
  ValidationFailedError,
} from '../common/errors/domain.error';
import {
  CustomerLimitExceededError,
  HoldAlreadyUsedError,
  HoldExpiredError,
  HoldNotFoundError,
  HoldReleasedError,
} from '../holds/hold.errors';
import { OrderNotFoundError } from '../orders/order.errors';
import {
  InsufficientStockError,
  ProductNotFoundError,
  SaleEndedError,
  SaleNotStartedError,
} from '../products/product.errors';
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
    it('should store only the refusals the same request can never turn into a success', () => {
      for (const refusal of [
        new HoldNotFoundError(1),
        new HoldAlreadyUsedError(1),
        new HoldExpiredError(1),
        new HoldReleasedError(1),
        new OrderNotFoundError(1),
      ]) {
        expect(isStoredRefusal(refusal)).toBe(true);
      }
    });

    it('should not store a refusal that time can change, validation, transient or unexpected failures', () => {
      for (const refusal of [
        new SaleNotStartedError(1, new Date()),
        new SaleEndedError(1, new Date()),
        new InsufficientStockError(5, 2),
        new CustomerLimitExceededError(2, 1, 2),
        new ProductNotFoundError(1),
        new ValidationFailedError({ quantity: ['too big'] }),
        new AdminUnauthorizedError(),
        new AdminDisabledError(),
        new DatabaseUnavailableError(),
        new ServiceBusyError(),
        new Error('connect ECONNREFUSED'),
        { kind: 'conflict', code: 'HOLD_EXPIRED' },
      ]) {
        expect(isStoredRefusal(refusal)).toBe(false);
      }
    });

    it('should not store a refusal whose code is not on the list (401, 403, ADMISSION_* and any new one)', () => {
      class AdmissionRequiredError extends DomainError {
        readonly code = 'ADMISSION_REQUIRED';
        readonly kind = 'forbidden';
      }
      class NewConflictError extends DomainError {
        readonly code = 'SOMETHING_NEW';
        readonly kind = 'conflict';
      }
      class NewNotFoundError extends DomainError {
        readonly code = 'TOKEN_NOT_FOUND';
        readonly kind = 'not_found';
      }
      for (const refusal of [
        new AdmissionRequiredError('wait your turn'),
        new NewConflictError('new'),
        new NewNotFoundError('new'),
      ]) {
        expect(isStoredRefusal(refusal)).toBe(false);
      }
    });
  });
});

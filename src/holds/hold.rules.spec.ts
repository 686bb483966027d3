import fc from 'fast-check';
import { ValidationFailedError } from '../common/errors/domain.error';
import {
  CustomerLimitExceededError,
  HoldAlreadyUsedError,
  HoldExpiredError,
  HoldReleasedError,
} from './hold.errors';
import {
  allocate,
  allocateWithCustomerLimit,
  assertCanBeOrdered,
  assertQuantityAllowed,
  expiresAt,
  holdStatus,
  isReleasable,
  notYetDueForMs,
} from './hold.rules';

const now = new Date('2026-01-01T12:00:00.000Z');
const hold = (
  overrides: Partial<{ holdExpiresAt: Date; releasedAt: Date | null; usedAt: Date | null }> = {},
) => ({
  id: 7,
  holdExpiresAt: new Date(now.getTime() + 60_000),
  releasedAt: null,
  usedAt: null,
  ...overrides,
});

describe('hold rules', () => {
  describe(holdStatus.name, () => {
    it('should be active before the expiry', () => {
      expect(holdStatus(hold(), now)).toBe('active');
    });

    it('should be expired from the expiry instant on, even before a release ran', () => {
      expect(holdStatus(hold({ holdExpiresAt: now }), now)).toBe('expired');
    });

    it('should be expired once released', () => {
      expect(holdStatus(hold({ releasedAt: now }), now)).toBe('expired');
    });

    it('should be used once ordered, whatever the clock says', () => {
      expect(holdStatus(hold({ usedAt: now, holdExpiresAt: new Date(0) }), now)).toBe('used');
    });
  });

  describe(assertCanBeOrdered.name, () => {
    it('should accept an active hold', () => {
      expect(() => assertCanBeOrdered(hold(), now)).not.toThrow();
    });

    it('should refuse a used hold first', () => {
      expect(() => assertCanBeOrdered(hold({ usedAt: now }), now)).toThrow(HoldAlreadyUsedError);
    });

    it('should refuse a released hold', () => {
      expect(() => assertCanBeOrdered(hold({ releasedAt: now, holdExpiresAt: now }), now)).toThrow(
        HoldReleasedError,
      );
    });

    it('should refuse an expired hold that was not released yet', () => {
      expect(() => assertCanBeOrdered(hold({ holdExpiresAt: new Date(now.getTime() - 1) }), now)).toThrow(
        HoldExpiredError,
      );
    });
  });

  describe(isReleasable.name, () => {
    it('should release only an expired, unused, unreleased hold', () => {
      const expired = new Date(now.getTime() - 1);
      expect(isReleasable(hold({ holdExpiresAt: expired }), now)).toBe(true);
      expect(isReleasable(hold(), now)).toBe(false);
      expect(isReleasable(hold({ holdExpiresAt: expired, usedAt: now }), now)).toBe(false);
      expect(isReleasable(hold({ holdExpiresAt: expired, releasedAt: now }), now)).toBe(false);
    });
  });

  describe(notYetDueForMs.name, () => {
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

    it('should be null when every hold is due, used or released', () => {
      expect(notYetDueForMs([], now)).toBeNull();
      expect(
        notYetDueForMs(
          [
            hold({ holdExpiresAt: now }),
            hold({ usedAt: now }),
            hold({ releasedAt: now, holdExpiresAt: at(5) }),
          ],
          now,
        ),
      ).toBeNull();
    });

    it('should wait for the last active hold that is not due yet', () => {
      expect(notYetDueForMs([hold({ holdExpiresAt: at(-10) }), hold({ holdExpiresAt: at(250) })], now)).toBe(
        250,
      );
      expect(notYetDueForMs([hold({ holdExpiresAt: at(40) }), hold({ holdExpiresAt: at(900) })], now)).toBe(
        900,
      );
    });
  });

  describe(allocate.name, () => {
    it('should serve requests in arrival order against what is left', () => {
      expect(allocate(10, [4, 4, 4, 2])).toEqual([
        { granted: true },
        { granted: true },
        { granted: false, available: 2 },
        { granted: true },
      ]);
    });

    it('should refuse everything when nothing is left', () => {
      expect(allocate(0, [1, 1])).toEqual([
        { granted: false, available: 0 },
        { granted: false, available: 0 },
      ]);
    });

    it('should never grant more than is available, and grant exactly what serving one by one would', () => {
      fc.assert(
        fc.property(
          fc.nat({ max: 50 }),
          fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }),
          (available, quantities) => {
            const allocations = allocate(available, quantities);
            const granted = allocations.reduce((sum, a, i) => sum + (a.granted ? quantities[i] : 0), 0);
            expect(granted).toBeLessThanOrEqual(available);
            // The model: each request alone, in arrival order, against what is left.
            let left = available;
            const oneByOne = quantities.map((quantity) => {
              if (quantity > left) return { granted: false, available: left };
              left -= quantity;
              return { granted: true };
            });
            expect(allocations).toEqual(oneByOne);
          },
        ),
        // A fixed seed: the same 200 cases on every run, so a failure reproduces.
        { seed: 20261130, numRuns: 200 },
      );
    });
  });

  describe(assertQuantityAllowed.name, () => {
    it('should accept the maximum and refuse one more with a field error', () => {
      expect(() => assertQuantityAllowed(100, 100)).not.toThrow();
      expect(() => assertQuantityAllowed(101, 100)).toThrow(ValidationFailedError);
    });
  });

  describe(expiresAt.name, () => {
    it('should add the TTL in seconds', () => {
      expect(expiresAt(now, 120).toISOString()).toBe('2026-01-01T12:02:00.000Z');
    });
  });

  describe(allocateWithCustomerLimit.name, () => {
    const request = (customerId: string | null, quantity = 1) => ({ customerId, quantity });
    const granted = (allocations: ReturnType<typeof allocateWithCustomerLimit>) =>
      allocations.map((a) => a.granted);

    it('should give one customer exactly the limit out of many requests in one batch', () => {
      const allocations = allocateWithCustomerLimit(
        100,
        Array.from({ length: 20 }, () => request('a')),
        2,
        new Map(),
      );
      expect(granted(allocations).filter(Boolean)).toHaveLength(2);
      expect(
        allocations
          .slice(2)
          .every((a) => !a.granted && 'refusal' in a && a.refusal instanceof CustomerLimitExceededError),
      ).toBe(true);
    });

    it('should count two customers of one batch apart, and start from what each already has', () => {
      const requests = [request('a'), request('b'), request('a'), request('b'), request('a'), request('b')];
      const allocations = allocateWithCustomerLimit(100, requests, 2, new Map([['b', 1]]));
      expect(granted(allocations)).toEqual([true, true, true, false, false, false]);
    });

    it('should refuse a request without customer with VALIDATION_FAILED and take nothing for it', () => {
      const [missing, next] = allocateWithCustomerLimit(1, [request(null), request('a')], 2, new Map());
      expect(missing.granted === false && 'refusal' in missing && missing.refusal).toBeInstanceOf(
        ValidationFailedError,
      );
      expect(next.granted).toBe(true);
    });

    it('should not use the allowance for a request refused on stock', () => {
      const allocations = allocateWithCustomerLimit(
        1,
        [request('a', 2), request('a', 1), request('a', 1)],
        2,
        new Map(),
      );
      expect(allocations[0]).toEqual({ granted: false, available: 1 });
      expect(granted(allocations)).toEqual([false, true, false]);
    });

    it('should let a smaller request of the same customer fit after a larger one is refused', () => {
      const allocations = allocateWithCustomerLimit(
        100,
        [request('a', 1), request('a', 2), request('a', 1)],
        2,
        new Map(),
      );
      expect(granted(allocations)).toEqual([true, false, true]);
    });
  });
});

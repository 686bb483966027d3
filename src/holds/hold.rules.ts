import { ValidationFailedError } from '../common/errors/domain.error';
import { HoldAlreadyUsedError, HoldExpiredError, HoldReleasedError } from './hold.errors';
import type { Hold } from './hold.entity';

export type HoldStatus = 'active' | 'expired' | 'used';

type HoldState = Pick<Hold, 'id' | 'holdExpiresAt' | 'releasedAt' | 'usedAt'>;

/** Pure rules about holds. `now` is always passed in, so the clock is explicit and testable. */
export function isExpired(hold: Pick<Hold, 'holdExpiresAt'>, now: Date): boolean {
  return hold.holdExpiresAt.getTime() <= now.getTime();
}

/** `expired` follows from the clock, even before the release has run. */
export function holdStatus(hold: HoldState, now: Date): HoldStatus {
  if (hold.usedAt) return 'used';
  if (hold.releasedAt || isExpired(hold, now)) return 'expired';
  return 'active';
}

export function expiresAt(now: Date, ttlSeconds: number): Date {
  return new Date(now.getTime() + ttlSeconds * 1000);
}

/** Only an unused, unreleased, unexpired hold can become an order. */
export function assertCanBeOrdered(hold: HoldState, now: Date): void {
  if (hold.usedAt) throw new HoldAlreadyUsedError(hold.id);
  if (hold.releasedAt) throw new HoldReleasedError(hold.id);
  if (isExpired(hold, now)) throw new HoldExpiredError(hold.id);
}

/** Only an active hold whose time is up gives its stock back; a used or released one never does. */
export function isReleasable(hold: HoldState, now: Date): boolean {
  return !hold.usedAt && !hold.releasedAt && isExpired(hold, now);
}

export function assertQuantityAllowed(quantity: number, max: number): void {
  if (quantity > max) {
    throw new ValidationFailedError({ quantity: [`quantity must not be greater than ${max}`] });
  }
}

export type Allocation = { granted: true } | { granted: false; available: number };

/**
 * First come, first served: requests are served in arrival order against what is left,
 * exactly as if each had run alone. A refused request takes nothing, and a later smaller
 * request may still fit.
 */
export function allocate(available: number, quantities: readonly number[]): Allocation[] {
  let remaining = available;
  return quantities.map((quantity) => {
    if (quantity > remaining) return { granted: false, available: remaining };
    remaining -= quantity;
    return { granted: true };
  });
}

import { DomainError, ValidationFailedError } from '../common/errors/domain.error';
import type { AdmissionCheck } from './hold-admission.port';
import {
  AdmissionExpiredError,
  AdmissionInvalidError,
  AdmissionRequiredError,
  CustomerLimitExceededError,
  HoldAlreadyUsedError,
  HoldExpiredError,
  HoldReleasedError,
} from './hold.errors';
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

/**
 * Whether a reader may see a hold (or the order made of it): `ownerId` null reads any (BUYER_AUTH=off
 * or an operator); a verified buyer reads only their own, so a hold with no customer is nobody's.
 */
export function isVisibleTo(hold: Pick<Hold, 'customerId'>, ownerId: string | null): boolean {
  return ownerId === null || hold.customerId === ownerId;
}

/** Only an active hold whose time is up gives its stock back; a used or released one never does. */
export function isReleasable(hold: HoldState, now: Date): boolean {
  return !hold.usedAt && !hold.releasedAt && isExpired(hold, now);
}

/**
 * How long until the last of `holds` that is still active but not yet expired is due, by
 * `now` (the database's clock); null when none is. A job that ran early (the adding and the
 * working hosts' clocks disagree) waits this long more instead of leaving them to the sweeper.
 */
export function notYetDueForMs(holds: readonly HoldState[], now: Date): number | null {
  let longest: number | null = null;
  for (const hold of holds) {
    if (hold.usedAt || hold.releasedAt || isExpired(hold, now)) continue;
    longest = Math.max(longest ?? 0, hold.holdExpiresAt.getTime() - now.getTime());
  }
  return longest;
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

/** One hold request as the allocation sees it. */
export interface HoldRequest {
  quantity: number;
  /** The storefront's reference for the buyer, or null when it sent none. */
  customerId: string | null;
  /** The Admission-Token, read (signature checked) before the request queued; undefined: none sent. */
  admission?: AdmissionCheck;
}

/**
 * On a product with a waiting room, the request as its admission allows it (the ticket's buyer
 * when it names none) or the refusal; the caller passes the locked row's flag and the
 * database's clock, so a queue disabled before this lock needs no token.
 */
export function admitted(
  productId: number,
  request: HoldRequest,
  now: Date,
): HoldRequest | AdmissionRequiredError | AdmissionInvalidError | AdmissionExpiredError {
  const pass = request.admission;
  if (pass === undefined || pass === null) return new AdmissionRequiredError(productId);
  if (pass === 'invalid' || pass.productId !== productId) return new AdmissionInvalidError();
  if (request.customerId !== null && request.customerId !== pass.customerId) {
    return new AdmissionInvalidError();
  }
  if (pass.expiresAt <= now.getTime()) return new AdmissionExpiredError();
  return { ...request, customerId: pass.customerId };
}

export type LimitedAllocation = Allocation | { granted: false; refusal: DomainError };

/**
 * `allocate` for a product with `max_per_customer`: in arrival order, a request needs a
 * customer, must fit that customer's allowance (`used` holds each customer's units in active
 * holds and live orders before this batch, and grows with each grant of the batch), then must
 * fit the stock. So a batch gives exactly what the requests would get one by one, and two
 * customers in one batch are counted apart. A refused request uses nothing.
 */
export function allocateWithCustomerLimit(
  available: number,
  requests: readonly HoldRequest[],
  maxPerCustomer: number,
  used: ReadonlyMap<string, number>,
): LimitedAllocation[] {
  let remaining = available;
  const usedNow = new Map(used);
  return requests.map(({ quantity, customerId }): LimitedAllocation => {
    if (customerId === null) {
      return {
        granted: false,
        refusal: new ValidationFailedError({
          customer_id: [
            `customer_id is required: this product allows at most ${maxPerCustomer} units per customer`,
          ],
        }),
      };
    }
    const customerUsed = usedNow.get(customerId) ?? 0;
    if (customerUsed + quantity > maxPerCustomer) {
      return {
        granted: false,
        refusal: new CustomerLimitExceededError(
          quantity,
          Math.max(maxPerCustomer - customerUsed, 0),
          maxPerCustomer,
        ),
      };
    }
    if (quantity > remaining) return { granted: false, available: remaining };
    remaining -= quantity;
    usedNow.set(customerId, customerUsed + quantity);
    return { granted: true };
  });
}

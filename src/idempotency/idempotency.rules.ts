import { createHash } from 'node:crypto';
import { DomainError, ValidationFailedError } from '../common/errors/domain.error';

/** The routes that honour Idempotency-Key; a key is unique per route, not across routes. */
export type IdempotencyScope =
  'holds' | 'orders' | 'admin_stock' | 'admin_order_cancel' | 'admin_order_restore';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/** A key answers its retries for 24 h (Stripe's window); the sweeper purges older ones. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** Printable ASCII, 1-255 characters (the column is VARCHAR(255)). UUIDs and ULIDs fit. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** A request that carries an Idempotency-Key, as the use case needs it. */
export interface IdempotentRequest {
  scope: IdempotencyScope;
  /**
   * The verified buyer's id (BUYER_AUTH=jwt), else the body's `customer_id` when it carries a
   * valid one, else '': keys are unique per route and customer, so two customers' keys never
   * meet (one can never replay the other's answer).
   */
  customerId: string;
  key: string;
  /** sha256 of the request body: a retry must send the same body. */
  fingerprint: string;
}

/** A stored answer: the status and JSON body the first request got. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * The header's key, undefined when there is none; a present but unusable value is a 422
 * (never silently ignored: the client believes its retries are safe).
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !VALID_KEY.test(header)) {
    throw new ValidationFailedError(
      { 'Idempotency-Key': ['Idempotency-Key must be 1 to 255 printable ASCII characters, sent once'] },
      'The Idempotency-Key header is invalid',
    );
  }
  return header;
}

/** Same JSON, same fingerprint: object keys are sorted, so their order and spacing don't matter. */
export function fingerprintOf(body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(body) ?? '')
    .digest('hex');
}

function canonicalJson(value: unknown): string | undefined {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => [key, canonicalJson((value as Record<string, unknown>)[key])] as const)
      .filter(([, json]) => json !== undefined);
    return `{${entries.map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function isFresh(createdAt: Date, now: Date): boolean {
  return now.getTime() - createdAt.getTime() < IDEMPOTENCY_KEY_TTL_MS;
}

/**
 * The refusals a key replays: those the same request can never turn into a success, however
 * long the client waits (the hold does not exist, was used, expired or was released; the
 * order does not exist). An allowlist, so a refusal added later (401, 403, ADMISSION_*...)
 * is evaluated again on retry unless it is added here on purpose. Never stored, because time
 * can change them: SALE_NOT_STARTED and SALE_ENDED (the window moves, a click comes a moment
 * early by the browser's clock), INSUFFICIENT_STOCK (units come back), CUSTOMER_LIMIT_EXCEEDED
 * (a hold of theirs expires), PRODUCT_NOT_FOUND (a draft may be published); nor validation
 * (422: the request never ran), 429, 503, or bugs.
 */
export const REPLAYED_REFUSALS: ReadonlySet<string> = new Set([
  'HOLD_NOT_FOUND',
  'HOLD_ALREADY_USED',
  'HOLD_EXPIRED',
  'HOLD_RELEASED',
  'ORDER_NOT_FOUND',
]);

/** Whether a failure is the key's answer, stored with it and replayed to every retry. */
export function isStoredRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && REPLAYED_REFUSALS.has(error.code);
}

import { createHash } from 'node:crypto';
import { DomainError, ValidationFailedError } from '../common/errors/domain.error';

/** The routes that honour Idempotency-Key; a key is unique per route, not across routes. */
export type IdempotencyScope = 'holds' | 'orders' | 'admin_stock';

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
 * Which failures are the key's answer (Stripe: any result once the endpoint started
 * executing): refusals about the resource (404, 409). Not validation (422: the request never
 * ran), not SERVICE_UNAVAILABLE or SERVICE_BUSY (transient: the retry should run), not bugs.
 */
export function isStoredRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && (error.kind === 'not_found' || error.kind === 'conflict');
}

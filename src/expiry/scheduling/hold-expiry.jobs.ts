import type { JobsOptions } from 'bullmq';
import type { Hold } from '../../holds/hold.entity';

export const HOLD_EXPIRY_QUEUE = 'hold-expiry';
export const EXPIRE_HOLD_JOB = 'expire';

/**
 * One job per batch: the holds one transaction created, which expire at the same instant.
 * `holdId` is the data of a job enqueued by an earlier version (one job per hold); the
 * processor still runs those.
 */
export type HoldExpiryJobData = { holdIds: number[] } | { holdId: number };

/** The holds a job releases, whichever version enqueued it. */
export function holdIdsOf(data: HoldExpiryJobData): number[] {
  return 'holdIds' in data ? data.holdIds : [data.holdId];
}

/** How long an HTTP request may wait for Redis after its commit before the sweeper is left to do the job. */
export const QUEUE_CALL_TIMEOUT_MS = 300;

/**
 * BullMQ's key prefix: the app's REDIS_PREFIX, then the database's identity. Workers of two
 * databases sharing one Redis and REDIS_PREFIX (staging and test, a restored copy) then use
 * two queues, and never release a hold of one database with the other's job.
 */
export function queuePrefix(redisPrefix: string, databaseId: string): string {
  return `${redisPrefix}:${databaseId}`;
}

/** What names a batch's job: its first hold's id and the incarnation of the batch's expiry. */
export type ExpiringHold = Pick<Hold, 'id' | 'holdExpiresAt'>;

/**
 * `hold-<database id>-<hold id>-<expiry in ms>`: the job of the batch whose first (lowest)
 * hold is this one; a hold created alone has a batch of one. Adding it twice is a no-op.
 * The database's identity and the expiry make the id one that cannot come back: after
 * `db:reset` (hold ids start at 1 again) or beside another database on the same Redis and
 * prefix, a leftover job never stands in for a new batch's. BullMQ refuses custom ids that
 * contain `:` or are bare integers.
 */
export function holdJobId(databaseId: string, hold: ExpiringHold): string {
  return `hold-${databaseId}-${hold.id}-${hold.holdExpiresAt.getTime()}`;
}

/**
 * Milliseconds from `now` until the hold expires; never negative (an overdue job runs at once).
 * Both times must come from the same clock: the scheduler passes the hold's `created_at`,
 * stamped by the database with its expiry, so the delay is the TTL whatever this host's clock says.
 */
export function expiryDelayMs(holdExpiresAt: Date, now: Date): number {
  return Math.max(0, holdExpiresAt.getTime() - now.getTime());
}

/**
 * Retries with backoff cover a database blip during the release; attempts stay bounded
 * because the sweeper catches whatever a job could not do (Immich uses 3 attempts too).
 * Failed jobs are kept a day for inspection, then dropped, so Redis never grows without bound.
 */
export function expiryJobOptions(databaseId: string, hold: ExpiringHold, now: Date): JobsOptions {
  return {
    jobId: holdJobId(databaseId, hold),
    delay: expiryDelayMs(hold.holdExpiresAt, now),
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600 },
  };
}

import type { JobsOptions } from 'bullmq';
import type { Hold } from '../holds/hold.entity';

export const HOLD_EXPIRY_QUEUE = 'hold-expiry';
export const EXPIRE_HOLD_JOB = 'expire';

export interface HoldExpiryJobData {
  holdId: number;
}

/** How long an HTTP request may wait for Redis after its commit before the sweeper is left to do the job. */
export const QUEUE_CALL_TIMEOUT_MS = 300;

/**
 * `hold-<id>`: one job per hold (adding it twice is a no-op), and removable by id when the
 * hold becomes an order. BullMQ refuses custom ids that contain `:` or are bare integers.
 */
export function holdJobId(holdId: number): string {
  return `hold-${holdId}`;
}

/** Milliseconds from `now` until the hold expires; never negative (an overdue job runs at once). */
export function expiryDelayMs(holdExpiresAt: Date, now: Date): number {
  return Math.max(0, holdExpiresAt.getTime() - now.getTime());
}

/**
 * Retries with backoff cover a database blip during the release; attempts stay bounded
 * because the sweeper catches whatever a job could not do (Immich uses 3 attempts too).
 * Failed jobs are kept a day for inspection, then dropped, so Redis never grows without bound.
 */
export function expiryJobOptions(hold: Pick<Hold, 'id' | 'holdExpiresAt'>, now: Date): JobsOptions {
  return {
    jobId: holdJobId(hold.id),
    delay: expiryDelayMs(hold.holdExpiresAt, now),
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600 },
  };
}

import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DatabaseIdentity } from '../../database/database-identity';
import { IoRedisClient, isClientUp } from '../../redis/ioredis-client';
import {
  EXPIRE_HOLD_JOB,
  expiryJobOptions,
  HoldExpiryJobData,
  QUEUE_CALL_TIMEOUT_MS,
} from './hold-expiry.jobs';
import { HoldExpiryScheduler, ScheduledHold } from './hold-expiry.scheduler';
import { withTimeout } from '../../common/with-timeout';

const QUEUE_CLOSE_TIMEOUT_MS = 1_000;

/**
 * A delayed BullMQ job per batch of holds. Redis is optional for correctness: when it is down
 * or slow, the call gives up after QUEUE_CALL_TIMEOUT_MS, logs a warning and the sweeper
 * releases the holds. A job is never removed: when it runs, the release re-checks each hold
 * under its locks and leaves the ones that became orders (or were released) alone.
 */
export class BullHoldExpiryScheduler extends HoldExpiryScheduler implements OnApplicationShutdown {
  private readonly logger = new Logger(HoldExpiryScheduler.name);

  constructor(
    private readonly queue: Queue<HoldExpiryJobData>,
    private readonly redis: IoRedisClient,
    private readonly database: DatabaseIdentity,
  ) {
    super();
    // Without a listener BullMQ prints every failed reconnect; each connection's RedisAvailability logs the outage once (redis.unavailable).
    queue.on('error', (error: Error) => this.logger.debug({ event: 'queue.error', reason: error.message }));
  }

  /**
   * One delayed job per batch: the holds of one call that expire at the same instant (one
   * transaction's holds do) are released together, in one transaction, by one job.
   */
  async schedule(holds: readonly ScheduledHold[]): Promise<void> {
    if (holds.length === 0) return;
    const jobs = batchesByExpiry(holds).map((batch) => ({
      name: EXPIRE_HOLD_JOB,
      data: { holdIds: batch.map((hold) => hold.id) },
      // The delay runs from the batch's creation by the database's clock, not this process's
      // clock, so a skew between the two neither brings the job early (it would find the holds
      // unexpired and leave them to the sweeper) nor late.
      opts: expiryJobOptions(this.database.id, batch[0], batch[0].createdAt),
    }));
    let existing: number[];
    try {
      existing = await this.call(() =>
        this.addNew(
          jobs.map((job) => job.opts.jobId!),
          () =>
            jobs.length === 1
              ? this.queue.add(jobs[0].name, jobs[0].data, jobs[0].opts)
              : this.queue.addBulk(jobs),
        ),
      );
    } catch (error) {
      for (const hold of holds) {
        this.logger.warn({ event: 'hold.expiry_schedule_failed', hold_id: hold.id, reason: reasonOf(error) });
      }
      return;
    }
    jobs.forEach((job, index) => {
      for (const holdId of job.data.holdIds) {
        const fields = { hold_id: holdId, job_id: job.opts.jobId, delay_ms: job.opts.delay };
        // BullMQ ignores an add whose id exists in any state: this job will not run for this batch.
        if (existing[index]) this.logger.warn({ event: 'hold.expiry_duplicate_job', ...fields });
        else this.logger.log({ event: 'hold.expiry_scheduled', ...fields });
      }
    });
  }

  /**
   * Adds the jobs and tells which of their ids existed already. The EXISTS goes out on the
   * queue's connection before the add's own commands, in the same write: no extra round trip.
   */
  private async addNew(jobIds: string[], add: () => Promise<unknown>): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.exists(this.queue.toKey(jobId));
    const [checked] = await Promise.all([pipeline.exec(), add()]);
    return (checked ?? []).map(([error, exists]) => (error ? 0 : Number(exists)));
  }

  /**
   * Fails at once while the connection is down (it has no offline queue, and before the
   * first connect BullMQ would wait for it), and bounds the wait when Redis is slow.
   */
  isLive(): boolean {
    return isClientUp(this.redis);
  }

  /**
   * After the Worker stopped (HoldExpiryProcessor.onModuleDestroy). The queue was given its
   * connection, so closing it leaves the connection to RedisConnectionModule; bounded, as a
   * Redis that hangs would leave it waiting.
   */
  async onApplicationShutdown(): Promise<void> {
    await withTimeout(this.queue.close(), QUEUE_CLOSE_TIMEOUT_MS).catch(() => undefined);
  }

  private call<T>(command: () => Promise<T>): Promise<T> {
    if (!isClientUp(this.redis)) {
      return Promise.reject(new Error(`Redis connection is ${this.redis.status}`));
    }
    return withTimeout(command(), QUEUE_CALL_TIMEOUT_MS);
  }
}

/** The holds grouped by expiry instant, each group in id order (its job is named after its first hold). */
function batchesByExpiry(holds: readonly ScheduledHold[]): ScheduledHold[][] {
  const byExpiry = new Map<number, ScheduledHold[]>();
  for (const hold of holds) {
    const at = hold.holdExpiresAt.getTime();
    const batch = byExpiry.get(at);
    if (batch) batch.push(hold);
    else byExpiry.set(at, [hold]);
  }
  return [...byExpiry.values()].map((batch) => batch.sort((a, b) => a.id - b.id));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

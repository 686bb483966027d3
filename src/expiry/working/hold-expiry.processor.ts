import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { HoldsService } from '../../holds/holds.service';
import { HOLD_EXPIRY_QUEUE, HoldExpiryJobData, holdIdsOf } from '../scheduling/hold-expiry.jobs';
import { withTimeout } from '../../common/with-timeout';

/** How long shutdown waits for the jobs in hand before leaving them to BullMQ's stalled-job recovery. */
const DRAIN_TIMEOUT_MS = 10_000;
const FORCE_CLOSE_TIMEOUT_MS = 1_000;
/** A job early by this much says the hosts' clocks disagree: worth an operator's look. */
const CLOCK_SKEW_WARNING_MS = 1_000;
/** Millisecond rounding between the clocks: the job comes back just after the holds are due. */
const EARLY_JOB_MARGIN_MS = 5;

/**
 * Thin: the release (locks, checks, exactly-once) lives in HoldsService. A job releases its
 * batch's holds that are still active and expired, in one transaction; the ones it finds
 * used (they became orders), already released or gone are left alone.
 */
@Processor(HOLD_EXPIRY_QUEUE, {
  // Releases are short transactions on different rows; a few at once keep a burst of
  // simultaneous expiries on time.
  concurrency: 8,
  // The connection fails fast while Redis is down; poll again soon so work resumes quickly.
  runRetryDelay: 1_000,
})
export class HoldExpiryProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(HoldExpiryProcessor.name);

  constructor(private readonly holds: HoldsService) {
    super();
  }

  async process(job: Job<HoldExpiryJobData>, token?: string): Promise<void> {
    const { notDueForMs } = await this.holds.releaseForJob(holdIdsOf(job.data));
    if (notDueForMs === null || token === undefined) return;
    // Early by the database's clock (the adding host's clock is behind this one's): the job
    // waits for the rest instead of leaving the holds to the sweeper, up to its interval late.
    const level = notDueForMs >= CLOCK_SKEW_WARNING_MS ? 'warn' : 'debug';
    this.logger[level]({
      event: 'hold.expiry_job_early',
      job_id: job.id,
      not_due_for_ms: notDueForMs,
      message: 'An expiry job ran before its holds expired by the database clock: keep the hosts on NTP',
    });
    await job.moveToDelayed(Date.now() + notDueForMs + EARLY_JOB_MARGIN_MS, token);
    throw new DelayedError();
  }

  /** The job threw (say the database was down): BullMQ retries it with backoff, then the sweeper takes over. */
  @OnWorkerEvent('failed')
  onFailed(job: Job<HoldExpiryJobData> | undefined, error: Error): void {
    this.logger.warn({
      event: 'hold.expiry_job_failed',
      hold_ids: job && holdIdsOf(job.data),
      attempts_made: job?.attemptsMade,
      reason: error.message,
    });
  }

  /** Connection errors repeat on every reconnect attempt; each connection's RedisAvailability logs the outage once (redis.unavailable). */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    const level = isConnectionProblem(error) ? 'debug' : 'warn';
    this.logger[level]({ event: 'worker.error', reason: error.message });
  }

  /**
   * Before the database pools close (onApplicationShutdown): stop taking jobs and let the
   * ones in hand finish. Bounded, because BullMQ's close can wait for Redis forever.
   */
  async onModuleDestroy(): Promise<void> {
    await withTimeout(this.worker.close(), DRAIN_TIMEOUT_MS).catch(async (error: Error) => {
      this.logger.warn({ event: 'worker.close_timeout', reason: error.message });
      // Force: stop without the jobs in hand (BullMQ retries them as stalled) and drop the
      // connections, so @nestjs/bullmq's own close, which follows unbounded, has nothing to wait for.
      await withTimeout(this.worker.close(true), FORCE_CLOSE_TIMEOUT_MS).catch(() => undefined);
      await withTimeout(this.worker.disconnect(), FORCE_CLOSE_TIMEOUT_MS).catch(() => undefined);
    });
  }
}

function isConnectionProblem(error: Error): boolean {
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Stream isn't writeable|Connection is closed/i.test(
    error.message,
  );
}

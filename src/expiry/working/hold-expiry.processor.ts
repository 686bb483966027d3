import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { HoldReleasesService } from '../../holds/hold-releases.service';
import { HOLD_EXPIRY_QUEUE, HoldExpiryJobData, holdIdsOf } from '../scheduling/hold-expiry.jobs';
import { withTimeout } from '../../common/with-timeout';
import { IoRedisClient, isClientUp } from '../../redis/ioredis-client';
import { QUEUE_REDIS } from '../scheduling/hold-expiry-queue.module';

/** How long shutdown waits for the jobs in hand before leaving them to BullMQ's stalled-job recovery. */
const DRAIN_TIMEOUT_MS = 10_000;
const FORCE_CLOSE_TIMEOUT_MS = 1_000;
/** A job early by this much says the hosts' clocks disagree: worth an operator's look. */
const CLOCK_SKEW_WARNING_MS = 1_000;
/** Millisecond rounding between the clocks: the job comes back just after the holds are due. */
const EARLY_JOB_MARGIN_MS = 5;
/** While paused for a broken connection: how often to look whether it is up again (BullMQ's runRetryDelay). */
const RESUME_CHECK_MS = 1_000;

/**
 * Thin: the release (locks, checks, exactly-once) lives in HoldReleasesService. A job releases its
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
  /** Set while paused by onError, until the command connection is up again (see there). */
  private resumeTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly releases: HoldReleasesService,
    @Inject(QUEUE_REDIS) private readonly redis: IoRedisClient,
  ) {
    super();
  }

  async process(job: Job<HoldExpiryJobData>, token?: string): Promise<void> {
    const { notDueForMs } = await this.releases.release(holdIdsOf(job.data), 'job');
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

  /**
   * Connection errors repeat on every reconnect attempt; each connection's RedisAvailability logs
   * the outage once (redis.unavailable).
   *
   * A connection that broke refuses every command at once ("Stream isn't writeable": no offline
   * queue), and BullMQ takes that refusal for an error of another kind: its main loop emits it
   * here and fetches the next job again, without a pause. Each fetch settles at once, so that
   * loop of promises starves the event loop: no timer fires (no sweep, and no reconnect, so it
   * never ends) and no signal is handled. This listener runs inside that loop, synchronously:
   * pausing the worker here stops the loop before its next fetch.
   */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    const connection = isConnectionProblem(error);
    this.logger[connection ? 'debug' : 'warn']({ event: 'worker.error', reason: error.message });
    if (connection) this.pauseUntilReconnected();
  }

  /**
   * Stops fetching (the jobs in hand go on) until the command connection is up again. Checked
   * by a timer, not on its `ready` event: when the refusal comes, the connection may not know
   * yet that it broke (its close is handled after this turn).
   */
  private pauseUntilReconnected(): void {
    if (this.resumeTimer || this.closing) return;
    this.logger.log({ event: 'worker.paused', reason: 'redis_unavailable' });
    // pause() sets BullMQ's `paused` before its first await: the main loop sees it at its next turn.
    this.worker.pause(true).catch(() => undefined);
    const check = () => {
      if (this.closing) return;
      if (!isClientUp(this.redis)) {
        this.resumeTimer = setTimeout(check, RESUME_CHECK_MS);
        return;
      }
      this.resumeTimer = undefined;
      this.logger.log({ event: 'worker.resumed' });
      this.worker.resume().catch(() => undefined);
    };
    this.resumeTimer = setTimeout(check, RESUME_CHECK_MS);
  }

  /**
   * Before the database pools close (onApplicationShutdown): stop taking jobs and let the
   * ones in hand finish. Bounded, because BullMQ's close can wait for Redis forever; and not
   * at all while Redis is unreachable: a job in hand could not be acknowledged anyway (BullMQ
   * retries it as stalled), and a graceful close would wait for Redis until the deadline.
   */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.resumeTimer);
    if (!isClientUp(this.redis)) return this.forceClose('redis_unavailable');
    // BullMQ remembers its first close: @nestjs/bullmq's own close, which follows unbounded,
    // awaits this same promise, so it must be one that ends.
    const closed = this.worker.close();
    const lost = untilConnectionLost(this.redis);
    try {
      const outcome = await withTimeout(
        Promise.race([closed.then(() => 'closed' as const), lost.promise]),
        DRAIN_TIMEOUT_MS,
      ).catch(() => 'timeout' as const);
      if (outcome !== 'closed') await this.dropConnections(outcome);
    } finally {
      lost.cancel();
    }
  }

  /** Redis is down already: stop without the jobs in hand and without a word to Redis. */
  private async forceClose(reason: 'redis_unavailable'): Promise<void> {
    this.logger.warn({ event: 'worker.close_forced', reason });
    await withTimeout(this.worker.close(true), FORCE_CLOSE_TIMEOUT_MS).catch(() => undefined);
    await withTimeout(this.worker.disconnect(), FORCE_CLOSE_TIMEOUT_MS).catch(() => undefined);
  }

  /**
   * The drain timed out or Redis went away during it: drop the connections, so the close in
   * progress (and BullMQ's retry of the jobs in hand as stalled) ends instead of waiting.
   */
  private async dropConnections(reason: 'timeout' | 'redis_unavailable'): Promise<void> {
    this.logger.warn({
      event: reason === 'timeout' ? 'worker.close_timeout' : 'worker.close_forced',
      reason,
    });
    await withTimeout(this.worker.disconnect(), FORCE_CLOSE_TIMEOUT_MS).catch(() => undefined);
  }
}

/** Resolves once the connection is lost (Redis stopped, or unreachable); cancel() stops listening. */
function untilConnectionLost(redis: IoRedisClient): {
  promise: Promise<'redis_unavailable'>;
  cancel(): void;
} {
  let cancel = () => undefined as void;
  const promise = new Promise<'redis_unavailable'>((resolve) => {
    const lost = () => resolve('redis_unavailable');
    redis.once('close', lost);
    cancel = () => void redis.off('close', lost);
  });
  return { promise, cancel };
}

function isConnectionProblem(error: Error): boolean {
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Stream isn't writeable|Connection is closed/i.test(
    error.message,
  );
}

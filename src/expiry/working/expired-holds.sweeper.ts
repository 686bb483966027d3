import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AllConfig } from '../../config/config.types';
import { UnitOfWork } from '../../database/unit-of-work';
import { HoldsRepository } from '../../holds/holds.repository';
import { HoldReleasesService } from '../../holds/hold-releases.service';
import { IdempotencyService } from '../../idempotency/idempotency.service';
import { SaleMetrics } from '../../metrics/sale-metrics';
import { HoldExpiryScheduler } from '../scheduling/hold-expiry.scheduler';
import { planSweep } from '../../holds/sweep-plan';
import { UnpaidOrdersSweeper } from './unpaid-orders.sweeper';

const INTERVAL_NAME = 'expired-holds-sweep';
/** Holds per query; one product's share of a batch is released in one short transaction. */
export const SWEEP_BATCH_SIZE = 200;
/** Bounds one run; whatever is left waits for the next tick. */
const MAX_BATCHES_PER_RUN = 50;
/**
 * While delayed jobs can run, the periodic sweep leaves holds that expired less than this ago
 * to their jobs (which fire a few to a few hundred milliseconds after the expiry): the safety
 * net does not race the on-time path for the same rows and product locks. Without a queue,
 * while its Redis is down, and in the sweep at start (the jobs may have been lost with the
 * downtime), the sweeper takes every expired hold at once.
 */
export const JOB_HEAD_START_MS = 2_000;
const FAILED: unique symbol = Symbol('FAILED');
type Failed = typeof FAILED;

/**
 * The safety net behind the delayed jobs: releases every expired active hold, whether its
 * job was never enqueued (Redis down), lost, or the process was down when it was due.
 * Runs once at start and then every HOLD_SWEEP_INTERVAL_SECONDS, never two runs at once.
 * Several instances may sweep together: the release claims holds with SKIP LOCKED and is
 * exactly-once (see HoldReleasesService.release). Each run also purges Idempotency-Keys
 * older than 24 h, the other thing in the database that expires.
 */
@Injectable()
export class ExpiredHoldsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExpiredHoldsSweeper.name);
  private readonly intervalMs: number;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    private readonly releases: HoldReleasesService,
    private readonly holds: HoldsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly registry: SchedulerRegistry,
    private readonly idempotency: IdempotencyService,
    private readonly unpaidOrders: UnpaidOrdersSweeper,
    private readonly metrics: SaleMetrics,
    private readonly scheduler: HoldExpiryScheduler,
    config: ConfigService<AllConfig, true>,
  ) {
    this.intervalMs = config.getOrThrow('app.holdSweepIntervalSeconds', { infer: true }) * 1000;
  }

  onApplicationBootstrap(): void {
    // At start: holds that expired while no process was running are released right away.
    void this.run();
    // An interval, not @Cron: the period comes from configuration.
    this.registry.addInterval(
      INTERVAL_NAME,
      setInterval(() => void this.run({ leaveRecentToJobs: true }), this.intervalMs),
    );
  }

  /** Stops ticking and waits for a run in progress, before the database pools close. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.registry.doesExist('interval', INTERVAL_NAME)) this.registry.deleteInterval(INTERVAL_NAME);
    await this.running;
  }

  /**
   * Starts a sweep unless one is still running (then the tick is skipped). Never rejects.
   * `leaveRecentToJobs`: the periodic tick's head start for delayed jobs (JOB_HEAD_START_MS).
   */
  run({ leaveRecentToJobs = false }: { leaveRecentToJobs?: boolean } = {}): Promise<number> {
    this.running ??= this.sweep(leaveRecentToJobs)
      .catch((error: Error) => {
        this.logger.warn({ event: 'holds.sweep_failed', reason: error.message });
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async sweep(leaveRecentToJobs: boolean): Promise<number> {
    let released = 0;
    // Products whose release failed in this run are left out of the next candidate queries:
    // oldest first, their expired holds would otherwise fill every batch and end the run,
    // keeping every other product's expired stock locked behind them.
    const failed = new Set<number>();
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.stopping; batch++) {
      const headStart = leaveRecentToJobs && this.scheduler.isLive() ? JOB_HEAD_START_MS : 0;
      const candidates = await this.unitOfWork.read((manager) =>
        this.holds.findExpiredActive(manager, SWEEP_BATCH_SIZE, [...failed], headStart),
      );
      let releasedInBatch = 0;
      const failedBefore = failed.size;
      for (const [productId, holdIds] of planSweep(candidates)) {
        if (this.stopping) break;
        const result = await this.releaseProduct(productId, holdIds);
        if (result === FAILED) failed.add(productId);
        else releasedInBatch += result;
      }
      released += releasedInBatch;
      // A short batch was the last one. If nothing could be claimed (orders in flight hold
      // those rows, or another instance took them) and nothing failed, the same batch would
      // come back: stop. After a failure the next batch no longer holds that product's holds.
      const stuck = releasedInBatch === 0 && failed.size === failedBefore;
      if (candidates.length < SWEEP_BATCH_SIZE || stuck) break;
    }
    if (released > 0) this.logger.log({ event: 'holds.swept', released });
    if (!this.stopping) await this.unpaidOrders.sweep(() => this.stopping);
    if (!this.stopping) await this.purgeIdempotencyKeys();
    return released;
  }

  /** Housekeeping, not stock: a failure is logged and retried on the next run. */
  private async purgeIdempotencyKeys(): Promise<void> {
    try {
      await this.idempotency.purgeExpired();
    } catch (error) {
      this.logger.warn({ event: 'idempotency.purge_failed', reason: (error as Error).message });
    }
  }

  /**
   * One product failing (say, a broken invariant) must not keep the others' stock locked up:
   * logged, counted, and skipped for the rest of the run. Returns the holds released.
   */
  private async releaseProduct(productId: number, holdIds: number[]): Promise<number | Failed> {
    try {
      return (await this.releases.release(holdIds, 'sweeper')).released.length;
    } catch (error) {
      this.logger.warn({
        event: 'holds.sweep_product_failed',
        product_id: productId,
        reason: (error as Error).message,
      });
      this.metrics.sweepProductFailed();
      return FAILED;
    }
  }
}

import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AllConfig } from '../config/config.types';
import { UnitOfWork } from '../database/unit-of-work';
import { HoldsRepository } from '../holds/holds.repository';
import { HoldsService } from '../holds/holds.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { planSweep } from './sweep-plan';
import { UnpaidOrdersSweeper } from './unpaid-orders.sweeper';

const INTERVAL_NAME = 'expired-holds-sweep';
/** Holds per query; one product's share of a batch is released in one short transaction. */
export const SWEEP_BATCH_SIZE = 200;
/** Bounds one run; whatever is left waits for the next tick. */
const MAX_BATCHES_PER_RUN = 50;

/**
 * The safety net behind the delayed jobs: releases every expired active hold, whether its
 * job was never enqueued (Redis down), lost, or the process was down when it was due.
 * Runs once at start and then every HOLD_SWEEP_INTERVAL_SECONDS, never two runs at once.
 * Several instances may sweep together: the release claims holds with SKIP LOCKED and is
 * exactly-once (see HoldsService.releaseExpired). Each run also purges Idempotency-Keys
 * older than 24 h, the other thing in the database that expires.
 */
@Injectable()
export class ExpiredHoldsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExpiredHoldsSweeper.name);
  private readonly intervalMs: number;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    private readonly holdsService: HoldsService,
    private readonly holds: HoldsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly registry: SchedulerRegistry,
    private readonly idempotency: IdempotencyService,
    private readonly unpaidOrders: UnpaidOrdersSweeper,
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
      setInterval(() => void this.run(), this.intervalMs),
    );
  }

  /** Stops ticking and waits for a run in progress, before the database pools close. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.registry.doesExist('interval', INTERVAL_NAME)) this.registry.deleteInterval(INTERVAL_NAME);
    await this.running;
  }

  /** Starts a sweep unless one is still running (then the tick is skipped). Never rejects. */
  run(): Promise<number> {
    this.running ??= this.sweep()
      .catch((error: Error) => {
        this.logger.warn({ event: 'holds.sweep_failed', reason: error.message });
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async sweep(): Promise<number> {
    let released = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.stopping; batch++) {
      const candidates = await this.unitOfWork.read((manager) =>
        this.holds.findExpiredActive(manager, SWEEP_BATCH_SIZE),
      );
      let releasedInBatch = 0;
      for (const [productId, holdIds] of planSweep(candidates)) {
        if (this.stopping) break;
        releasedInBatch += await this.releaseProduct(productId, holdIds);
      }
      released += releasedInBatch;
      // A short batch was the last one. If nothing could be claimed (orders in flight hold
      // those rows, or another instance took them), the same batch would come back: stop.
      if (candidates.length < SWEEP_BATCH_SIZE || releasedInBatch === 0) break;
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

  /** One product failing (say, a broken invariant) must not keep the others' stock locked up. */
  private async releaseProduct(productId: number, holdIds: number[]): Promise<number> {
    try {
      return (await this.holdsService.releaseExpired(productId, holdIds, 'sweeper')).length;
    } catch (error) {
      this.logger.warn({
        event: 'holds.sweep_product_failed',
        product_id: productId,
        reason: (error as Error).message,
      });
      return 0;
    }
  }
}

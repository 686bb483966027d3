import { Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { SaleMetrics } from '../metrics/sale-metrics';
import { ProductStock } from '../products/stock/product-stock';
import type { Hold } from './hold.entity';
import { isReleasable, notYetDueForMs } from './hold.rules';
import { HoldsRepository } from './holds.repository';
import { planSweep } from './sweep-plan';

/** Who released a hold: its delayed job, or the sweeper (safety net). */
export type ReleaseSource = 'job' | 'sweeper';

export interface ReleaseResult {
  /** The holds this call released (each hold is released by one call only, ever). */
  released: Hold[];
  /**
   * How long until the last of the given holds that are still active but not due yet by the
   * database's clock is due; null when none is. A job that ran early (the host that added it
   * and the worker's host disagree on the time) waits that long more instead of leaving its
   * holds to the sweeper.
   */
  notDueForMs: number | null;
}

/**
 * Releases: gives the stock of expired, unused holds back, for every caller (the delayed job,
 * the sweeper) through one method.
 */
@Injectable()
export class HoldReleasesService {
  private readonly logger = new Logger(HoldReleasesService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: ProductStock,
    private readonly holds: HoldsRepository,
    private readonly metrics: SaleMetrics,
  ) {}

  /**
   * Releases those of `holdIds` that are still active and expired by the database's clock, and
   * leaves the others alone (used, released already, not due yet, gone). Safe to call any
   * number of times, concurrently with itself, the other source and order creation: each hold
   * is released at most once and a used hold never is. One transaction per product.
   *
   * The sweeper claims holds with SKIP LOCKED: a hold locked by an order in flight is left for
   * the next pass rather than waited for. A job waits: it is that hold's on-time release.
   */
  async release(holdIds: readonly number[], source: ReleaseSource): Promise<ReleaseResult> {
    // A cheap look first (a job of a used hold is common), by the database's clock like the release.
    const found = await this.unitOfWork.read((manager) => this.holds.findByIdsWithClock(manager, holdIds));
    if (!found) return { released: [], notDueForMs: null };
    const released: Hold[] = [];
    const due = found.rows.filter((hold) => isReleasable(hold, found.now));
    for (const [productId, productHolds] of planSweep(due)) {
      released.push(...(await this.releaseOfProduct(productId, productHolds, source)));
    }
    return { released, notDueForMs: notYetDueForMs(found.rows, found.now) };
  }

  /**
   * Holds of one product, in one transaction: lock the product, then the holds (the fixed lock
   * order), re-check them under the locks, guarded UPDATE, give the units back.
   */
  private async releaseOfProduct(
    productId: number,
    holdIds: readonly number[],
    source: ReleaseSource,
  ): Promise<Hold[]> {
    const released = await this.unitOfWork.run(async (manager) => {
      // The database's clock as of the product lock decides which holds have expired.
      const product = await this.stock.lock(manager, productId);
      if (!product) return [];
      const { now } = product;
      const locked = await this.holds.lockForRelease(manager, holdIds, { skipLocked: source === 'sweeper' });
      const releasable = locked.filter((hold) => hold.productId === productId && isReleasable(hold, now));
      if (releasable.length === 0) return [];
      const ids = releasable.map((hold) => hold.id);
      // Cannot differ under the locks; if it ever did, roll back rather than return wrong stock.
      const changed = await this.holds.markReleased(manager, ids, now);
      if (changed !== ids.length) {
        throw new Error(`Release of holds ${ids.join(',')} changed ${changed} rows`);
      }
      const quantity = releasable.reduce((sum, hold) => sum + hold.quantity, 0);
      await this.stock.giveBack(manager, product, quantity);
      return releasable.map((hold) => Object.assign(hold, { releasedAt: now }));
    });
    for (const hold of released) {
      this.logger.log({
        event: 'hold.released',
        hold_id: hold.id,
        product_id: hold.productId,
        quantity: hold.quantity,
        source,
      });
    }
    if (released.length > 0) {
      this.metrics.holdReleased(source, released.length);
      await this.stock.afterCommit(productId);
    }
    return released;
  }
}

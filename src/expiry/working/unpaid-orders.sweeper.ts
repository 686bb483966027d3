import { Injectable, Logger } from '@nestjs/common';
import { SaleMetrics } from '../../metrics/sale-metrics';
import { UnpaidOrdersService } from '../../orders/unpaid-orders.service';
import { planSweep } from '../../holds/sweep-plan';

/** Orders per query; one product's share of a batch is cancelled in one short transaction. */
export const UNPAID_ORDERS_BATCH_SIZE = 200;
/** Bounds one pass; whatever is left waits for the next run. */
const MAX_BATCHES_PER_PASS = 50;
const FAILED: unique symbol = Symbol('FAILED');
type Failed = typeof FAILED;

/**
 * The payment-timeout pass of each sweeper run (ExpiredHoldsSweeper calls it after the
 * holds): cancels pending orders older than ORDER_PAYMENT_TIMEOUT_SECONDS, product by product.
 * Several instances may run it together: the cancellation skips locked orders and is
 * exactly-once (see UnpaidOrdersService.cancelOverdue). Never rejects.
 */
@Injectable()
export class UnpaidOrdersSweeper {
  private readonly logger = new Logger(UnpaidOrdersSweeper.name);

  constructor(
    private readonly unpaidOrders: UnpaidOrdersService,
    private readonly metrics: SaleMetrics,
  ) {}

  /** Returns how many orders this pass cancelled. */
  async sweep(shouldStop: () => boolean = () => false): Promise<number> {
    if (!this.unpaidOrders.enabled) return 0;
    let cancelled = 0;
    // Products whose cancellation failed in this pass are left out of the next candidate
    // queries: oldest first, their overdue orders would otherwise fill every batch and end the
    // pass, keeping every other product's unpaid units locked behind them.
    const failed = new Set<number>();
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !shouldStop(); batch++) {
        const candidates = await this.unpaidOrders.findOverdue(UNPAID_ORDERS_BATCH_SIZE, [...failed]);
        let cancelledInBatch = 0;
        const failedBefore = failed.size;
        for (const [productId, orderIds] of planSweep(candidates)) {
          if (shouldStop()) break;
          const result = await this.cancelProduct(productId, orderIds);
          if (result === FAILED) failed.add(productId);
          else cancelledInBatch += result;
        }
        cancelled += cancelledInBatch;
        // A short batch was the last one. If nothing could be claimed (webhooks in flight hold
        // those rows, another instance took them) and nothing failed, the same batch would come
        // back: stop until next run. After a failure the next batch no longer holds that product's.
        const stuck = cancelledInBatch === 0 && failed.size === failedBefore;
        if (candidates.length < UNPAID_ORDERS_BATCH_SIZE || stuck) break;
      }
    } catch (error) {
      this.logger.warn({ event: 'orders.payment_timeout_sweep_failed', reason: (error as Error).message });
    }
    if (cancelled > 0) this.logger.log({ event: 'orders.payment_timeout_swept', cancelled });
    return cancelled;
  }

  /**
   * One product failing (say, a broken invariant) must not keep the other products' unpaid
   * units locked up: logged, counted, and skipped for the rest of the pass. Returns the orders
   * cancelled.
   */
  private async cancelProduct(productId: number, orderIds: number[]): Promise<number | Failed> {
    try {
      return (await this.unpaidOrders.cancelOverdue(productId, orderIds)).length;
    } catch (error) {
      this.logger.warn({
        event: 'orders.payment_timeout_product_failed',
        product_id: productId,
        reason: (error as Error).message,
      });
      this.metrics.orderTimeoutProductFailed();
      return FAILED;
    }
  }
}

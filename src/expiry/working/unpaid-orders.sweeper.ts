import { Injectable, Logger } from '@nestjs/common';
import { UnpaidOrdersService } from '../../orders/unpaid-orders.service';
import { planSweep } from '../../holds/sweep-plan';

/** Orders per query; one product's share of a batch is cancelled in one short transaction. */
const BATCH_SIZE = 200;
/** Bounds one pass; whatever is left waits for the next run. */
const MAX_BATCHES_PER_PASS = 50;

/**
 * The payment-timeout pass of each sweeper run (ExpiredHoldsSweeper calls it after the
 * holds): cancels pending orders older than ORDER_PAYMENT_TIMEOUT_SECONDS, product by product.
 * Several instances may run it together: the cancellation skips locked orders and is
 * exactly-once (see UnpaidOrdersService.cancelOverdue). Never rejects.
 */
@Injectable()
export class UnpaidOrdersSweeper {
  private readonly logger = new Logger(UnpaidOrdersSweeper.name);

  constructor(private readonly unpaidOrders: UnpaidOrdersService) {}

  /** Returns how many orders this pass cancelled. */
  async sweep(shouldStop: () => boolean = () => false): Promise<number> {
    if (!this.unpaidOrders.enabled) return 0;
    let cancelled = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !shouldStop(); batch++) {
        const candidates = await this.unpaidOrders.findOverdue(BATCH_SIZE);
        let cancelledInBatch = 0;
        for (const [productId, orderIds] of planSweep(candidates)) {
          if (shouldStop()) break;
          cancelledInBatch += await this.cancelProduct(productId, orderIds);
        }
        cancelled += cancelledInBatch;
        // A short batch was the last one. If nothing could be claimed (webhooks in flight hold
        // those rows, another instance took them, a product keeps failing), stop until next run.
        if (candidates.length < BATCH_SIZE || cancelledInBatch === 0) break;
      }
    } catch (error) {
      this.logger.warn({ event: 'orders.payment_timeout_sweep_failed', reason: (error as Error).message });
    }
    if (cancelled > 0) this.logger.log({ event: 'orders.payment_timeout_swept', cancelled });
    return cancelled;
  }

  /** One product failing must not keep the other products' unpaid units locked up. */
  private async cancelProduct(productId: number, orderIds: number[]): Promise<number> {
    try {
      return (await this.unpaidOrders.cancelOverdue(productId, orderIds)).length;
    } catch (error) {
      this.logger.warn({
        event: 'orders.payment_timeout_product_failed',
        product_id: productId,
        reason: (error as Error).message,
      });
      return 0;
    }
  }
}

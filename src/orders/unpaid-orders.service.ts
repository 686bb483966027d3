import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types';
import { UnitOfWork } from '../database/unit-of-work';
import { SaleMetrics } from '../metrics/sale-metrics';
import { ProductStock } from '../products/stock/product-stock';
import type { Order } from './order.entity';
import { OrdersRepository } from './orders.repository';

export interface OverdueOrderRef {
  id: number;
  productId: number;
}

/**
 * The payment timeout: a pending order that no webhook settled within
 * ORDER_PAYMENT_TIMEOUT_SECONDS is cancelled (`cancel_reason: payment_timeout`) and its units
 * go back on sale, so a payment provider that never calls back cannot lock stock for good.
 * Age is measured with the database's clock, the one every process shares. Driven by the
 * sweeper (UnpaidOrdersSweeper); 0 turns it off.
 */
@Injectable()
export class UnpaidOrdersService {
  private readonly logger = new Logger(UnpaidOrdersService.name);
  private readonly timeoutMs: number;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: ProductStock,
    private readonly orders: OrdersRepository,
    private readonly metrics: SaleMetrics,
    config: ConfigService<AllConfig, true>,
  ) {
    this.timeoutMs = config.getOrThrow('app.orderPaymentTimeoutSeconds', { infer: true }) * 1000;
  }

  get enabled(): boolean {
    return this.timeoutMs > 0;
  }

  /**
   * Candidates, oldest first, unlocked: cancelOverdue re-checks each under its locks.
   * `excludedProductIds`: products the caller skips (their cancellation failed in this pass).
   */
  findOverdue(limit: number, excludedProductIds: readonly number[] = []): Promise<OverdueOrderRef[]> {
    if (!this.enabled) return Promise.resolve([]);
    // Aged by the database's clock, in the query itself.
    return this.unitOfWork.read((manager) =>
      this.orders.findPendingOlderThan(manager, this.timeoutMs, limit, excludedProductIds),
    );
  }

  /**
   * Cancels those of `orderIds` (orders of one product) that are still pending and overdue, in
   * one transaction: lock the product, then the orders (the fixed lock order; orders a webhook
   * is settling are skipped), re-check them under the locks, guarded UPDATE, return the units.
   * Whatever else runs at the same time (another sweeper, a `paid` or `failed` webhook), each
   * order is cancelled at most once and its units come back once.
   */
  async cancelOverdue(productId: number, orderIds: readonly number[]): Promise<Order[]> {
    if (!this.enabled || orderIds.length === 0) return [];
    const cancelled = await this.unitOfWork.run(async (manager) => {
      // The database's clock as of the product lock.
      const product = await this.stock.lock(manager, productId);
      if (!product) return [];
      const { now } = product;
      const cutoff = this.cutoff(now);
      const locked = await this.orders.lockForTimeout(manager, orderIds);
      const overdue = locked.filter(
        (order) => order.productId === productId && order.status === 'pending' && order.createdAt <= cutoff,
      );
      if (overdue.length === 0) return [];
      const ids = overdue.map((order) => order.id);
      // Cannot differ under the locks; if it ever did, roll back rather than return wrong stock.
      const changed = await this.orders.cancelUnpaid(manager, ids, cutoff, now);
      if (changed !== ids.length) {
        throw new Error(`Payment timeout of orders ${ids.join(',')} changed ${changed} rows`);
      }
      const quantity = overdue.reduce((sum, order) => sum + order.quantity, 0);
      await this.stock.giveBack(manager, product, quantity);
      return overdue.map((order) =>
        Object.assign(order, {
          status: 'cancelled' as const,
          cancelReason: 'payment_timeout' as const,
          updatedAt: now,
        }),
      );
    });
    if (cancelled.length === 0) return cancelled;
    for (const order of cancelled) {
      this.logger.log({
        event: 'order.payment_timeout',
        order_id: order.id,
        hold_id: order.holdId,
        product_id: order.productId,
        quantity: order.quantity,
        amount: order.amount,
        created_at: order.createdAt.toISOString(),
      });
    }
    this.metrics.orderCancelled('payment_timeout', cancelled.length);
    // After commit: readers (and the live stream) see the units back on sale.
    await this.stock.afterCommit(productId);
    return cancelled;
  }

  private cutoff(now: Date): Date {
    return new Date(now.getTime() - this.timeoutMs);
  }
}

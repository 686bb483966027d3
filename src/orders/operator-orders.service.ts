import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InsufficientStockError } from '../products/product.errors';
import { LockedProduct, ProductStock } from '../products/stock/product-stock';
import type { Order } from './order.entity';
import { OrderNotFoundError, OrderNotPendingError, OrderNotRestorableError } from './order.errors';
import { OrdersRepository } from './orders.repository';

/** An order locked for an operator's action, after its product (the lock order of every stock change). */
export interface LockedOrder {
  product: LockedProduct;
  order: Order;
}

/**
 * The operator's transitions of an order, inside the caller's transaction: lock the product,
 * then the order; a guarded UPDATE moves the order; ProductStock moves its units and writes the
 * ledger line. The caller runs ProductStock.afterCommit after the commit.
 */
@Injectable()
export class OperatorOrdersService {
  constructor(
    private readonly stock: ProductStock,
    private readonly orders: OrdersRepository,
  ) {}

  /** The product id is read unlocked first: an order never changes product. */
  async lock(manager: EntityManager, id: number): Promise<LockedOrder> {
    const found = await this.orders.findById(manager, id);
    if (!found) throw new OrderNotFoundError(id);
    const product = await this.stock.lock(manager, found.productId);
    const order = product && (await this.orders.lockById(manager, id));
    if (!product || !order) throw new OrderNotFoundError(id);
    return { product, order };
  }

  /** A pending order becomes cancelled (`operator`); its units go back, with a ledger line. */
  async cancel(manager: EntityManager, { product, order }: LockedOrder, reason: string, actor: string) {
    if (order.status !== 'pending') throw new OrderNotPendingError(order.id, order.status);
    // Cannot fail under the order's lock; if it ever did, roll back rather than return stock twice.
    if (!(await this.orders.cancelByOperator(manager, order.id, product.now))) {
      throw new Error(`Operator cancel of order ${order.id} changed no row`);
    }
    await this.stock.giveBack(manager, product, order.quantity, {
      kind: 'operator_cancel',
      reason,
      actor,
      orderId: order.id,
    });
  }

  /**
   * A cancelled order becomes completed, settled by `paymentEventId` (a paid event recorded
   * after its cancellation, or null when there is none: refused), and takes its units again.
   */
  async restore(
    manager: EntityManager,
    { product, order }: LockedOrder,
    paymentEventId: string | null,
    actor: string,
  ) {
    if (order.status !== 'cancelled' || paymentEventId === null) throw new OrderNotRestorableError(order.id);
    if (product.product.availableStock < order.quantity) {
      throw new InsufficientStockError(order.quantity, product.product.availableStock);
    }
    if (!(await this.orders.restore(manager, order.id, paymentEventId, product.now))) {
      throw new Error(`Restore of order ${order.id} changed no row`);
    }
    await this.stock.take(manager, product, order.quantity, {
      kind: 'restore',
      reason: `paid by ${paymentEventId} after cancellation`,
      actor,
      orderId: order.id,
    });
  }
}

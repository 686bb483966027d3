import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { success } from '../common/http/envelope';
import type { PageRequest } from '../common/http/pagination.dto';
import { UnitOfWork } from '../database/unit-of-work';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { SaleMetrics } from '../metrics/sale-metrics';
import { OrderNotFoundError, OrderNotPendingError, OrderNotRestorableError } from '../orders/order.errors';
import { OrdersRepository } from '../orders/orders.repository';
import { InsufficientStockError } from '../products/product.errors';
import { LockedProduct, ProductStock } from '../products/stock/product-stock';
import {
  AdminOrderDetail,
  AdminOrderFilters,
  AdminOrdersRepository,
  AdminOrderView,
} from './admin-orders.repository';
import { AdminOrderDetailDto } from './dto/admin-order-response.dto';

/**
 * The operator's order actions. A cancel or a restore is one transaction in the fixed lock
 * order (the product, then the order), the order moves by a guarded UPDATE and its units move
 * through ProductStock with a ledger line, so a cancel racing a payment webhook, or a restore
 * racing holds for the last units, ends with one winner and exact stock. ProductStock's
 * afterCommit runs after the commit, before the answer.
 */
@Injectable()
export class AdminOrdersService {
  private readonly logger = new Logger(AdminOrdersService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: ProductStock,
    private readonly orders: OrdersRepository,
    private readonly views: AdminOrdersRepository,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: SaleMetrics,
  ) {}

  findPage(filters: AdminOrderFilters, request: PageRequest): Promise<[AdminOrderView[], number]> {
    return this.unitOfWork.read((manager) => this.views.findPage(manager, filters, request));
  }

  findOne(id: number): Promise<AdminOrderDetail> {
    return this.unitOfWork.read((manager) => this.detailOf(manager, id));
  }

  /** A pending order becomes cancelled (cancel_reason `operator`); its units go back once. */
  async cancel(
    id: number,
    reason: string,
    actor: string,
    idempotency?: IdempotentRequest,
  ): Promise<AdminOrderDetail> {
    const detail = await this.run(idempotency, async (manager) => {
      const { locked, order } = await this.lockOrder(manager, id);
      if (order.status !== 'pending') throw new OrderNotPendingError(id, order.status);
      // Cannot fail under the order's lock; if it ever did, roll back rather than return stock twice.
      if (!(await this.orders.cancelByOperator(manager, id, locked.now))) {
        throw new Error(`Operator cancel of order ${id} changed no row`);
      }
      await this.stock.giveBack(manager, locked, order.quantity, {
        kind: 'operator_cancel',
        reason,
        actor,
        orderId: id,
      });
      return this.detailOf(manager, id);
    });
    this.metrics.orderCancelled('operator');
    await this.stock.afterCommit(detail.order.productId);
    this.logger.log({
      event: 'order.cancelled_by_operator',
      actor,
      order_id: id,
      product_id: detail.order.productId,
      quantity: detail.order.quantity,
      reason,
    });
    return detail;
  }

  /**
   * A cancelled order for which a paid event arrived after its cancellation becomes completed,
   * settled by that event, and takes its units again; 409 INSUFFICIENT_STOCK when they are gone
   * (the operator then refunds in the payment provider).
   */
  async restore(id: number, actor: string, idempotency?: IdempotentRequest): Promise<AdminOrderDetail> {
    const detail = await this.run(idempotency, async (manager) => {
      const { locked, order } = await this.lockOrder(manager, id);
      const payment = order.status === 'cancelled' ? await this.views.findLatePayment(manager, id) : null;
      if (!payment) throw new OrderNotRestorableError(id);
      if (locked.product.availableStock < order.quantity) {
        throw new InsufficientStockError(order.quantity, locked.product.availableStock);
      }
      if (!(await this.orders.restore(manager, id, payment.eventId, locked.now))) {
        throw new Error(`Restore of order ${id} changed no row`);
      }
      await this.stock.take(manager, locked, order.quantity, {
        kind: 'restore',
        reason: `paid by ${payment.eventId} after cancellation`,
        actor,
        orderId: id,
      });
      return this.detailOf(manager, id);
    });
    await this.stock.afterCommit(detail.order.productId);
    this.logger.log({
      event: 'order.restored',
      actor,
      order_id: id,
      product_id: detail.order.productId,
      quantity: detail.order.quantity,
      payment_event_id: detail.order.paymentIdempotencyKey,
    });
    return detail;
  }

  /** With an Idempotency-Key the answer is stored in the same transaction as the change. */
  private run(
    idempotency: IdempotentRequest | undefined,
    work: (manager: EntityManager) => Promise<AdminOrderDetail>,
  ): Promise<AdminOrderDetail> {
    if (!idempotency) return this.unitOfWork.run(work);
    return this.idempotency.execute(idempotency, work, (detail) => ({
      status: 200,
      body: success(AdminOrderDetailDto.fromDetail(detail)),
    }));
  }

  /**
   * The product first, then the order (the lock order of every stock change). The product id is
   * read unlocked first: an order never changes product.
   */
  private async lockOrder(manager: EntityManager, id: number) {
    const found = await this.orders.findById(manager, id);
    if (!found) throw new OrderNotFoundError(id);
    const locked: LockedProduct | null = await this.stock.lock(manager, found.productId);
    const order = locked && (await this.orders.lockById(manager, id));
    if (!locked || !order) throw new OrderNotFoundError(id);
    return { locked, order };
  }

  private async detailOf(manager: EntityManager, id: number): Promise<AdminOrderDetail> {
    const detail = await this.views.findDetail(manager, id);
    if (!detail) throw new OrderNotFoundError(id);
    return detail;
  }
}

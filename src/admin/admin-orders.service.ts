import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { success } from '../common/http/envelope';
import type { PageRequest } from '../common/http/pagination.dto';
import { UnitOfWork } from '../database/unit-of-work';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { SaleMetrics } from '../metrics/sale-metrics';
import { OrderNotFoundError } from '../orders/order.errors';
import { OperatorOrdersService } from '../orders/operator-orders.service';
import { ProductStock } from '../products/stock/product-stock';
import {
  AdminOrderDetail,
  AdminOrderFilters,
  AdminOrdersRepository,
  AdminOrderView,
} from './admin-orders.repository';
import { AdminOrderDetailDto } from './dto/admin-order-response.dto';

/**
 * The operator's order actions. A cancel or a restore is one transaction (OperatorOrdersService
 * takes the locks in the fixed order, the product then the order, moves the order by a guarded
 * UPDATE and its units through ProductStock with a ledger line), so a cancel racing a payment webhook, or a restore
 * racing holds for the last units, ends with one winner and exact stock. ProductStock's
 * afterCommit runs after the commit, before the answer.
 */
@Injectable()
export class AdminOrdersService {
  private readonly logger = new Logger(AdminOrdersService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: ProductStock,
    private readonly orders: OperatorOrdersService,
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
      await this.orders.cancel(manager, await this.orders.lock(manager, id), reason, actor);
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
      const locked = await this.orders.lock(manager, id);
      // Read under the order's lock: a payment recorded for it after its cancellation.
      const payment = await this.views.findLatePayment(manager, id);
      await this.orders.restore(manager, locked, payment?.eventId ?? null, actor);
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

  private async detailOf(manager: EntityManager, id: number): Promise<AdminOrderDetail> {
    const detail = await this.views.findDetail(manager, id);
    if (!detail) throw new OrderNotFoundError(id);
    return detail;
  }
}

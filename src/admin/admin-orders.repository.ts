import { Injectable } from '@nestjs/common';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { Hold } from '../holds/hold.entity';
import { Order } from '../orders/order.entity';
import type { OrderStatus } from '../orders/order-status';
import { PaymentEvent } from '../payments/payment-event.entity';

export interface AdminOrderFilters {
  status?: OrderStatus;
  productId?: number;
  customerId?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

/** An order with whether a payment for it arrived after it was cancelled (restorable, or to refund). */
export interface AdminOrderView {
  order: Order;
  paidAfterCancellation: boolean;
}

export interface AdminOrderDetail extends AdminOrderView {
  hold: Hold | null;
  /** Every payment event recorded for the order, in order of arrival. */
  events: PaymentEvent[];
}

const PAID_AFTER_CANCELLATION = 'paid_after_cancellation';

/** The operator's reads of orders. Writes go through OrdersRepository's guarded transitions. */
@Injectable()
export class AdminOrdersRepository {
  async findPage(
    manager: EntityManager,
    filters: AdminOrderFilters,
    { page, perPage }: PageRequest,
  ): Promise<[AdminOrderView[], number]> {
    const query = this.filtered(manager, filters);
    const total = await query.clone().getCount();
    const orders = await query
      .orderBy('order.id', 'DESC')
      .offset((page - 1) * perPage)
      .limit(perPage)
      .getMany();
    const paid = await this.paidAfterCancellation(
      manager,
      orders.map((order) => order.id),
    );
    return [orders.map((order) => ({ order, paidAfterCancellation: paid.has(order.id) })), total];
  }

  async findDetail(manager: EntityManager, id: number): Promise<AdminOrderDetail | null> {
    const order = await manager.getRepository(Order).findOneBy({ id });
    if (!order) return null;
    const [hold, events] = await Promise.all([
      manager.getRepository(Hold).findOneBy({ id: order.holdId }),
      manager.getRepository(PaymentEvent).find({ where: { orderId: id }, order: { id: 'ASC' } }),
    ]);
    return {
      order,
      hold,
      events,
      paidAfterCancellation: events.some((event) => event.reason === PAID_AFTER_CANCELLATION),
    };
  }

  /** The latest payment recorded for this order after its cancellation: what a restore settles it with. */
  async findLatePayment(manager: EntityManager, orderId: number): Promise<PaymentEvent | null> {
    return manager.getRepository(PaymentEvent).findOne({
      where: { orderId, reason: PAID_AFTER_CANCELLATION },
      order: { id: 'DESC' },
    });
  }

  private filtered(manager: EntityManager, filters: AdminOrderFilters): SelectQueryBuilder<Order> {
    const query = manager.getRepository(Order).createQueryBuilder('order');
    if (filters.status) query.andWhere('order.status = :status', { status: filters.status });
    if (filters.productId) query.andWhere('order.product_id = :productId', { productId: filters.productId });
    if (filters.customerId !== undefined) {
      query.andWhere('order.customer_id = :customerId', { customerId: filters.customerId });
    }
    if (filters.createdFrom) query.andWhere('order.created_at >= :from', { from: filters.createdFrom });
    if (filters.createdTo) query.andWhere('order.created_at < :to', { to: filters.createdTo });
    return query;
  }

  private async paidAfterCancellation(manager: EntityManager, orderIds: number[]): Promise<Set<number>> {
    if (orderIds.length === 0) return new Set();
    const rows = await manager
      .getRepository(PaymentEvent)
      .createQueryBuilder('event')
      .select('DISTINCT event.order_id', 'orderId')
      .where('event.order_id IN (:...orderIds) AND event.reason = :reason', {
        orderIds,
        reason: PAID_AFTER_CANCELLATION,
      })
      .getRawMany<{ orderId: number | string }>();
    return new Set(rows.map((row) => Number(row.orderId)));
  }
}

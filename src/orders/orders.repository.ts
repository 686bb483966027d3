import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { databaseClockSql } from '../database/db-clock';
import { lockForUpdate } from '../database/row-lock';
import { Order } from './order.entity';
import type { CancelReason, OrderStatus } from './order-status';

export type NewOrder = Pick<
  Order,
  'holdId' | 'productId' | 'customerId' | 'quantity' | 'amount' | 'createdAt'
>;

/** Order persistence. Every method takes the manager of the caller's unit of work first (UnitOfWork.run or read). */
@Injectable()
export class OrdersRepository {
  findById(manager: EntityManager, id: number): Promise<Order | null> {
    return manager.getRepository(Order).findOneBy({ id });
  }

  /** A page of orders, newest first: every order, or one customer's (served by IDX_orders_customer_product). */
  findPage(
    manager: EntityManager,
    { page, perPage }: PageRequest,
    customerId: string | null = null,
  ): Promise<[Order[], number]> {
    return manager.getRepository(Order).findAndCount({
      where: customerId === null ? {} : { customerId },
      order: { id: 'DESC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
  }

  async insertPending(manager: EntityManager, row: NewOrder): Promise<Order> {
    const order = Object.assign(new Order(), row, {
      status: 'pending' as const,
      cancelReason: null,
      paymentIdempotencyKey: null,
      updatedAt: row.createdAt,
    });
    const result = await manager.createQueryBuilder().insert().into(Order).values(order).execute();
    order.id = Number(result.identifiers[0].id);
    return order;
  }

  lockById(manager: EntityManager, id: number): Promise<Order | null> {
    return lockForUpdate(manager.getRepository(Order).createQueryBuilder('order'))
      .where('order.id = :id', { id })
      .getOne();
  }

  /** Guarded transition out of `pending`: an order is settled exactly once. */
  async settle(
    manager: EntityManager,
    id: number,
    status: OrderStatus,
    cancelReason: CancelReason | null,
    eventId: string,
    now: Date,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Order)
      .set({ status, cancelReason, paymentIdempotencyKey: eventId, updatedAt: now })
      .where("id = :id AND status = 'pending'", { id })
      .execute();
    return result.affected === 1;
  }

  /**
   * Pending orders at least `ageMs` old by the database's clock, oldest first, without
   * locking: candidates for the payment timeout, re-checked under the locks. Served by
   * IDX_orders_status_created. `excludedProductIds`: products the pass skips in this run.
   */
  async findPendingOlderThan(
    manager: EntityManager,
    ageMs: number,
    limit: number,
    excludedProductIds: readonly number[] = [],
  ): Promise<Array<{ id: number; productId: number }>> {
    const cutoff = databaseClockSql(manager.connection.options, ageMs);
    const query = manager
      .getRepository(Order)
      .createQueryBuilder('order')
      .select('order.id', 'id')
      .addSelect('order.product_id', 'productId')
      .where(`order.status = 'pending' AND order.created_at <= ${cutoff}`);
    if (excludedProductIds.length > 0) {
      query.andWhere('order.product_id NOT IN (:...excluded)', { excluded: excludedProductIds });
    }
    const rows = await query
      .orderBy('order.created_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number | string; productId: number | string }>();
    return rows.map((row) => ({ id: Number(row.id), productId: Number(row.productId) }));
  }

  /**
   * Locks these orders for a timeout; the caller holds their product's lock already (lock
   * order: product, then order). SKIP LOCKED: an order a webhook is settling right now is
   * left to that webhook rather than waited for.
   */
  lockForTimeout(manager: EntityManager, ids: readonly number[]): Promise<Order[]> {
    return lockForUpdate(manager.getRepository(Order).createQueryBuilder('order'), { skipLocked: true })
      .where('order.id IN (:...ids)', { ids })
      .orderBy('order.id', 'ASC')
      .getMany();
  }

  /**
   * Guarded transition: only a pending order created at or before `cutoff` is cancelled for
   * want of payment, so a second sweep (or a webhook that won) changes nothing. Returns the
   * rows changed.
   */
  async cancelUnpaid(
    manager: EntityManager,
    ids: readonly number[],
    cutoff: Date,
    now: Date,
  ): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .update(Order)
      .set({ status: 'cancelled', cancelReason: 'payment_timeout', updatedAt: now })
      .where("id IN (:...ids) AND status = 'pending' AND created_at <= :cutoff", { ids, cutoff })
      .execute();
    return result.affected ?? 0;
  }

  /** Guarded: only a pending order is cancelled by an operator, once, whatever races it. */
  async cancelByOperator(manager: EntityManager, id: number, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Order)
      .set({ status: 'cancelled', cancelReason: 'operator', updatedAt: now })
      .where("id = :id AND status = 'pending'", { id })
      .execute();
    return result.affected === 1;
  }

  /**
   * Guarded: a cancelled order becomes completed, settled by `eventId` (the payment that came
   * after its cancellation), once.
   */
  async restore(manager: EntityManager, id: number, eventId: string, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Order)
      .set({ status: 'completed', cancelReason: null, paymentIdempotencyKey: eventId, updatedAt: now })
      .where("id = :id AND status = 'cancelled'", { id })
      .execute();
    return result.affected === 1;
  }

  /** Whether the product has an order waiting for payment. */
  async hasPendingOn(manager: EntityManager, productId: number): Promise<boolean> {
    const found = await manager
      .getRepository(Order)
      .findOne({ select: { id: true }, where: { productId, status: 'pending' } });
    return found !== null;
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { lockForUpdate } from '../database/row-lock';
import { Order } from './order.entity';
import type { OrderStatus } from './order-status';

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

  findPage(manager: EntityManager, { page, perPage }: PageRequest): Promise<[Order[], number]> {
    return manager
      .getRepository(Order)
      .findAndCount({ order: { id: 'DESC' }, skip: (page - 1) * perPage, take: perPage });
  }

  async insertPending(manager: EntityManager, row: NewOrder): Promise<Order> {
    const order = Object.assign(new Order(), row, {
      status: 'pending' as const,
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
    eventId: string,
    now: Date,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Order)
      .set({ status, paymentIdempotencyKey: eventId, updatedAt: now })
      .where("id = :id AND status = 'pending'", { id })
      .execute();
    return result.affected === 1;
  }
}

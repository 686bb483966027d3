import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HoldReadsService } from '../holds/hold-reads.service';
import { OrdersRepository } from './orders.repository';

/**
 * Whether units of a product at 0 may still come back to its stock: an active hold (it may
 * expire or be released) or a pending order (it may be cancelled or time out). The waiting
 * room asks this before turning its line sold_out; the answer belongs to holds and orders.
 */
@Injectable()
export class ReturnableUnits {
  constructor(
    private readonly holds: HoldReadsService,
    private readonly orders: OrdersRepository,
  ) {}

  /** In the caller's unit of work (UnitOfWork.read). */
  async mayComeBack(manager: EntityManager, productId: number): Promise<boolean> {
    return (
      (await this.holds.hasActiveOn(manager, productId)) ||
      (await this.orders.hasPendingOn(manager, productId))
    );
  }
}

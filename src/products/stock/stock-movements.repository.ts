import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../../common/http/pagination.dto';
import { StockMovement } from './stock-movement.entity';

export type NewStockMovement = Omit<StockMovement, 'id'>;

/** The stock ledger's table. Written only by ProductStock, in the transaction that moved the stock; read by the admin API. */
@Injectable()
export class StockMovementsRepository {
  /** In the transaction that moved the stock, so the log and the stock never disagree. */
  async record(manager: EntityManager, movement: NewStockMovement): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(StockMovement)
      .values(movement)
      .updateEntity(false)
      .execute();
  }

  /** A product's ledger, newest first (served by IDX_stock_movements_product_id, which ends with the id). */
  findPage(
    manager: EntityManager,
    productId: number,
    { page, perPage }: PageRequest,
  ): Promise<[StockMovement[], number]> {
    return manager.getRepository(StockMovement).findAndCount({
      where: { productId },
      order: { id: 'DESC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
  }
}

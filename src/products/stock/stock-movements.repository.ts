import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StockMovement } from './stock-movement.entity';

export type NewStockMovement = Omit<StockMovement, 'id'>;

/** The stock ledger's table. Written only by ProductStock, in the transaction that moved the stock. */
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
}

import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { Product } from '../products/product.entity';

export interface QueuedProduct {
  id: number;
  available: number;
  ratePerMinute: number;
  admissionSeconds: number;
  saleStartsAt: Date | null;
  seed: string | null;
}

/**
 * The read the admission loop makes per tick (never per admission): the products with a queue
 * and their stock. Whether units could still come back to a product at 0 is the core's answer
 * (ReturnableUnits, holds and orders).
 */
@Injectable()
export class QueueStockRepository {
  async findQueued(manager: EntityManager): Promise<QueuedProduct[]> {
    const rows = await manager
      .getRepository(Product)
      .find({ where: { queueEnabled: true }, order: { id: 'ASC' }, take: 1000 });
    return rows.map((row) => ({
      id: row.id,
      available: row.availableStock,
      ratePerMinute: row.queueAdmitPerMinute,
      admissionSeconds: row.queueAdmissionSeconds,
      saleStartsAt: row.saleStartsAt,
      seed: row.queueSeed,
    }));
  }

  /** Which of these products have their queue enabled (one read; an unknown id is not). */
  async queueEnabledAmong(manager: EntityManager, ids: readonly number[]): Promise<Set<number>> {
    const rows = await manager
      .getRepository(Product)
      .find({ select: { id: true }, where: { id: In([...ids]), queueEnabled: true } });
    return new Set(rows.map((row) => row.id));
  }
}

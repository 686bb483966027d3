import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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
 * The two reads the admission loop makes per tick (never per admission): the products with a
 * queue and their stock, and whether units could still come back to a product at 0.
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

  /** Active holds and pending orders of the product: units that may still come back. */
  async mayGiveBack(manager: EntityManager, productId: number): Promise<boolean> {
    const [row] = await manager.query<Array<{ n: number | string }>>(
      `SELECT (SELECT COUNT(*) FROM holds WHERE product_id = ? AND used_at IS NULL AND released_at IS NULL)
            + (SELECT COUNT(*) FROM orders WHERE product_id = ? AND status = 'pending') AS n`,
      [productId, productId],
    );
    return Number(row?.n ?? 0) > 0;
  }
}

import type { DataSource } from 'typeorm';
import { Hold } from '../../src/holds/hold.entity';

/** Writes a hold row directly (e.g. one already expired) and takes its units from the product. */
export async function insertHold(
  dataSource: DataSource,
  values: Pick<Hold, 'productId' | 'quantity'> & Partial<Hold>,
): Promise<Hold> {
  const now = new Date();
  return dataSource.transaction(async (manager) => {
    await manager.query('UPDATE products SET available_stock = available_stock - ? WHERE id = ?', [
      values.quantity,
      values.productId,
    ]);
    return manager.getRepository(Hold).save(
      Object.assign(new Hold(), {
        holdExpiresAt: new Date(now.getTime() + 120_000),
        createdAt: now,
        ...values,
      }),
    );
  });
}

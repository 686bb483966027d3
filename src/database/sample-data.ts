import type { DataSource } from 'typeorm';
import { Product } from '../products/product.entity';

/**
 * The original's sample product (its name, price and 100 units on sale), so its curl
 * examples work against a fresh install. Every unit starts available: the original's seed
 * had 200 in total for 100 available, units no hold or order accounts for, which made
 * `npm run audit:stock` fail on a fresh install.
 */
export const SAMPLE_PRODUCT = {
  name: 'Limited Edition Flash Sale Item',
  totalStock: 100,
  availableStock: 100,
  price: '99.99',
};

export async function seedSampleProductIfEmpty(dataSource: DataSource): Promise<boolean> {
  const products = dataSource.getRepository(Product);
  if ((await products.count()) > 0) return false;
  const now = new Date();
  // The status is named: SQLite takes no DEFAULT in an INSERT, so TypeORM would send NULL there.
  await products.insert({ ...SAMPLE_PRODUCT, status: 'live', createdAt: now, updatedAt: now });
  return true;
}

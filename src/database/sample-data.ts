import type { DataSource } from 'typeorm';
import { Product } from '../products/product.entity';

/** The original's sample product, so its README's curl examples work against a fresh install. */
export const SAMPLE_PRODUCT = {
  name: 'Limited Edition Flash Sale Item',
  totalStock: 200,
  availableStock: 100,
  price: '99.99',
};

export async function seedSampleProductIfEmpty(dataSource: DataSource): Promise<boolean> {
  const products = dataSource.getRepository(Product);
  if ((await products.count()) > 0) return false;
  const now = new Date();
  await products.insert({ ...SAMPLE_PRODUCT, createdAt: now, updatedAt: now });
  return true;
}

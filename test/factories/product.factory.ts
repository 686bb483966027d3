import type { DataSource } from 'typeorm';
import { Product } from '../../src/products/product.entity';

export async function createProduct(
  dataSource: DataSource,
  overrides: Partial<Product> = {},
): Promise<Product> {
  const now = new Date();
  const product = Object.assign(new Product(), {
    name: 'Test product',
    totalStock: 100,
    availableStock: 100,
    price: '10.00',
    status: 'live' as const,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
  return dataSource.getRepository(Product).save(product);
}

export async function reloadProduct(dataSource: DataSource, id: number): Promise<Product> {
  return dataSource.getRepository(Product).findOneByOrFail({ id });
}

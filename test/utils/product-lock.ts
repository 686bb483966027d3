import { UnitOfWork } from '../../src/database/unit-of-work';
import { ProductsRepository } from '../../src/products/products.repository';
import type { TestApp } from './test-app';

/**
 * Takes a product's lock the way a hold batch does (its row lock; on SQLite the unit-of-work
 * mutex) and keeps it until `release` is called: hold requests sent meanwhile queue up and
 * then go as one batch.
 */
export async function holdProductLock(t: TestApp, productId: number): Promise<{ release(): Promise<void> }> {
  const unitOfWork = t.app.get(UnitOfWork);
  const products = t.app.get(ProductsRepository);
  let locked!: () => void;
  let release!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const unit = unitOfWork.run(async (manager) => {
    await products.lockById(manager, productId);
    locked();
    await released;
  });
  await isLocked;
  return {
    async release() {
      release();
      await unit;
    },
  };
}

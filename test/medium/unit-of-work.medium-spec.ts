import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '../../src/database/unit-of-work';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestModule, TestModule } from '../utils/test-module';

/** Takes one unit of the product's stock, in the unit's transaction. */
async function takeOne(manager: EntityManager, productId: number): Promise<void> {
  await manager.query('UPDATE products SET available_stock = available_stock - 1 WHERE id = ?', [productId]);
}

/**
 * UnitOfWork called directly, on either engine: a failed unit's writes and a failed
 * savepoint's. Every use case's transaction goes through it. (Deadlocks: mariadb/.)
 */
describe('UnitOfWork (medium)', () => {
  let m: TestModule;
  let units: UnitOfWork;

  beforeAll(async () => {
    m = await createTestModule([]);
    units = m.get(UnitOfWork);
  });

  afterAll(() => m.close());

  it('should roll a failed unit back whole and not run it again when the error is not a lock conflict', async () => {
    const product = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    let attempts = 0;

    const failing = units.run(async (manager) => {
      attempts++;
      await takeOne(manager, product.id);
      throw new Error('refused after writing');
    });

    await expect(failing).rejects.toThrow('refused after writing');
    expect(attempts).toBe(1);
    expect((await reloadProduct(m.dataSource, product.id)).availableStock).toBe(10);
  });

  it('should undo only a failed savepoint its own writes, and commit the rest of the unit', async () => {
    const kept = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const undone = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });

    await units.run(async (manager) => {
      await takeOne(manager, kept.id);
      await expect(
        units.savepoint(manager, async () => {
          await takeOne(manager, undone.id);
          throw new Error('refused inside the savepoint');
        }),
      ).rejects.toThrow('refused inside the savepoint');
    });

    expect((await reloadProduct(m.dataSource, kept.id)).availableStock).toBe(9);
    expect((await reloadProduct(m.dataSource, undone.id)).availableStock).toBe(10);
  });
});

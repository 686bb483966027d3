import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '../../src/database/unit-of-work';
import { ProductCache } from '../../src/products/cache/product-cache';
import { ProductsModule } from '../../src/products/products.module';
import { LockedProduct, ProductStock } from '../../src/products/stock/product-stock';
import { StockMovement } from '../../src/products/stock/stock-movement.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestModule, TestModule } from '../utils/test-module';

/**
 * ProductStock, the one owner of stock changes, called directly inside units of work on the
 * real database (MariaDB, then SQLite): every movement guarded, the ledger written in the
 * caller's transaction and undone with it, and the after-commit step that makes readers see
 * the change. Through HTTP a guard that refuses can only be reached by breaking an invariant
 * first.
 */
describe('ProductStock (medium)', () => {
  let m: TestModule;
  let units: UnitOfWork;
  let stock: ProductStock;

  beforeAll(async () => {
    m = await createTestModule([ProductsModule]);
    units = m.get(UnitOfWork);
    stock = m.get(ProductStock);
  });

  afterAll(() => m.close());

  const ledgerOf = (productId: number) =>
    m.dataSource.getRepository(StockMovement).find({ where: { productId }, order: { id: 'ASC' } });

  it('should move stock under the lock and write each noted movement with the stock after it', async () => {
    const product = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });

    await units.run(async (manager) => {
      const locked = (await stock.lock(manager, product.id))!;
      await stock.take(manager, locked, 3, { kind: 'restore', reason: 'taken', actor: 'alice', orderId: 1 });
      await stock.giveBack(manager, locked, 1, {
        kind: 'operator_cancel',
        reason: 'given back',
        actor: 'bob',
        orderId: 2,
      });
      await stock.adjust(manager, locked, 5, { reason: 'restock', actor: 'admin' });
      await stock.take(manager, locked, 2); // no note: the hot path's holds are not recorded
    });

    expect(await reloadProduct(m.dataSource, product.id)).toMatchObject({
      totalStock: 15,
      availableStock: 11,
    });
    const lines = (await ledgerOf(product.id)).map(
      ({ kind, delta, reason, actor, orderId, totalStock, availableStock }) => ({
        kind,
        delta,
        reason,
        actor,
        orderId,
        totalStock,
        availableStock,
      }),
    );
    expect(lines).toEqual([
      {
        kind: 'restore',
        delta: -3,
        reason: 'taken',
        actor: 'alice',
        orderId: 1,
        totalStock: 10,
        availableStock: 7,
      },
      {
        kind: 'operator_cancel',
        delta: 1,
        reason: 'given back',
        actor: 'bob',
        orderId: 2,
        totalStock: 10,
        availableStock: 8,
      },
      {
        kind: 'restock',
        delta: 5,
        reason: 'restock',
        actor: 'admin',
        orderId: null,
        totalStock: 15,
        availableStock: 13,
      },
    ]);
  });

  it('should leave neither stock nor ledger lines behind when the caller fails after moving stock', async () => {
    const product = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });

    const failing = units.run(async (manager) => {
      const locked = (await stock.lock(manager, product.id))!;
      await stock.adjust(manager, locked, 5, { reason: 'restock', actor: 'admin' });
      await stock.take(manager, locked, 4, { kind: 'restore', reason: 'taken', actor: 'admin', orderId: 1 });
      throw new Error('the use case refused after the movements');
    });

    await expect(failing).rejects.toThrow('the use case refused after the movements');
    expect(await reloadProduct(m.dataSource, product.id)).toMatchObject({
      totalStock: 10,
      availableStock: 10,
    });
    expect(await ledgerOf(product.id)).toEqual([]);
  });

  type Movement = (manager: EntityManager, locked: LockedProduct) => Promise<void>;
  const refused: Array<[string, Movement]> = [
    ['take more than is available', (manager, locked) => stock.take(manager, locked, 13)],
    ['give back more than was taken', (manager, locked) => stock.giveBack(manager, locked, 1)],
    [
      'remove more than is available',
      (manager, locked) => stock.adjust(manager, locked, -13, { reason: 'removal', actor: 'admin' }),
    ],
  ];

  it.each(refused)(
    'should refuse to %s and roll the whole unit back, ledger included',
    async (_, movement) => {
      const product = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });

      const unit = units.run(async (manager) => {
        const locked = (await stock.lock(manager, product.id))!;
        await stock.adjust(manager, locked, 2, { reason: 'restock first', actor: 'admin' });
        // The caller's numbers are wrong on purpose: the guarded UPDATE is the last line of defence.
        await movement(manager, { ...locked, product: { ...locked.product, availableStock: 100 } });
      });

      await expect(unit).rejects.toThrow(/Stock invariant violated/);
      expect(await reloadProduct(m.dataSource, product.id)).toMatchObject({
        totalStock: 10,
        availableStock: 10,
      });
      expect(await ledgerOf(product.id)).toEqual([]);
    },
  );

  it('should make the next read miss the cached answer once the change is committed', async () => {
    const product = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const cache = m.get(ProductCache);
    const first = await cache.read(product.id);
    if (first.kind !== 'miss') throw new Error(`expected a miss, got ${first.kind}`);
    await cache.write(product.id, first, { available_stock: 10 });
    expect(await cache.read(product.id)).toEqual({ kind: 'hit', body: { available_stock: 10 } });

    await units.run(async (manager) => stock.take(manager, (await stock.lock(manager, product.id))!, 1));
    // Committed but not yet announced: readers may still get the old answer...
    expect((await cache.read(product.id)).kind).toBe('hit');
    await stock.afterCommit(product.id);

    expect((await cache.read(product.id)).kind).toBe('miss');
  });
});

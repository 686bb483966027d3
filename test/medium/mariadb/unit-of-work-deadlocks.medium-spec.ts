import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { TRANSACTION_RETRIES_METRIC, UnitOfWork } from '../../../src/database/unit-of-work';
import { createProduct, reloadProduct } from '../../factories/product.factory';
import { createTestModule, TestModule } from '../../utils/test-module';

/** A promise with its resolve, for lining two transactions up at a chosen point. */
function signal(): { promise: Promise<void>; fire(): void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/** Locks the product's row for the rest of the transaction and takes one unit, as a hold does. */
async function lockAndTakeOne(manager: EntityManager, productId: number): Promise<void> {
  await manager.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [productId]);
  await manager.query('UPDATE products SET available_stock = available_stock - 1 WHERE id = ?', [productId]);
}

/**
 * UnitOfWork against real InnoDB deadlocks, lined up between two units called directly (HTTP
 * cannot line them up): the victim runs again, whole. MariaDB only: SQLite has no row locks
 * (units run one at a time there).
 */
describe('UnitOfWork deadlocks (medium, MariaDB)', () => {
  let m: TestModule;
  let units: UnitOfWork;
  let retries: Counter<'reason'>;

  beforeAll(async () => {
    m = await createTestModule([]);
    units = m.get(UnitOfWork);
    retries = m.get<Counter<'reason'>>(getToken(TRANSACTION_RETRIES_METRIC));
  });

  afterAll(() => m.close());

  const retriedOnDeadlock = async () =>
    (await retries.get()).values.find((value) => value.labels.reason === 'ER_LOCK_DEADLOCK')?.value ?? 0;

  it('should run again, whole, the unit the database chose as a deadlock victim, so both units commit once', async () => {
    const first = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const second = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const retriedBefore = await retriedOnDeadlock();
    const attempts = { forward: 0, backward: 0 };
    const forwardHasFirst = signal();
    const backwardHasSecond = signal();

    // Opposite lock orders, each waiting for the other's first lock on its first attempt only:
    // a certain deadlock, and a retry that then simply waits for the survivor's commit.
    const forward = units.run(async (manager) => {
      attempts.forward++;
      await lockAndTakeOne(manager, first.id);
      if (attempts.forward === 1) {
        forwardHasFirst.fire();
        await backwardHasSecond.promise;
      }
      await lockAndTakeOne(manager, second.id);
    });
    const backward = units.run(async (manager) => {
      attempts.backward++;
      await lockAndTakeOne(manager, second.id);
      if (attempts.backward === 1) {
        backwardHasSecond.fire();
        await forwardHasFirst.promise;
      }
      await lockAndTakeOne(manager, first.id);
    });

    await expect(Promise.all([forward, backward])).resolves.toEqual([undefined, undefined]);
    // One victim ran twice; its first attempt's unit was rolled back with it.
    expect(attempts.forward + attempts.backward).toBe(3);
    expect((await reloadProduct(m.dataSource, first.id)).availableStock).toBe(8);
    expect((await reloadProduct(m.dataSource, second.id)).availableStock).toBe(8);
    expect((await retriedOnDeadlock()) - retriedBefore).toBe(1);
  });

  it("should run again the deadlock victim whose deadlock hit inside a savepoint (an Idempotency-Key's work), not fail it", async () => {
    // Found by `npm run chaos -- --cluster`: a deadlock (or a Galera brute-force abort) rolls
    // the whole transaction back, savepoints included, so rolling back to the savepoint then
    // fails ("SAVEPOINT ... does not exist"); that error hid the deadlock from the retry and
    // the keyed request answered 500.
    const first = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const second = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const retriedBefore = await retriedOnDeadlock();
    const attempts = { forward: 0, backward: 0 };
    const forwardHasFirst = signal();
    const backwardHasSecond = signal();

    const forward = units.run((manager) =>
      units.savepoint(manager, async () => {
        attempts.forward++;
        await lockAndTakeOne(manager, first.id);
        if (attempts.forward === 1) {
          forwardHasFirst.fire();
          await backwardHasSecond.promise;
        }
        await lockAndTakeOne(manager, second.id);
      }),
    );
    const backward = units.run((manager) =>
      units.savepoint(manager, async () => {
        attempts.backward++;
        await lockAndTakeOne(manager, second.id);
        if (attempts.backward === 1) {
          backwardHasSecond.fire();
          await forwardHasFirst.promise;
        }
        await lockAndTakeOne(manager, first.id);
      }),
    );

    await expect(Promise.all([forward, backward])).resolves.toEqual([undefined, undefined]);
    expect(attempts.forward + attempts.backward).toBe(3);
    expect((await reloadProduct(m.dataSource, first.id)).availableStock).toBe(8);
    expect((await reloadProduct(m.dataSource, second.id)).availableStock).toBe(8);
    expect((await retriedOnDeadlock()) - retriedBefore).toBe(1);
  });
});

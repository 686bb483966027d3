import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { UnitOfWork } from '../../src/database/unit-of-work';
import { ProductsRepository } from '../../src/products/products.repository';
import { createProduct } from '../factories/product.factory';
import { stockOf } from '../utils/expiry';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * Load shedding on POST /api/holds: every path into the hot product's row lock, with or
 * without Idempotency-Key, counts against HOLD_BATCH_MAX_QUEUED (per product) and
 * HOLD_BATCH_MAX_QUEUED_TOTAL (all products), and a request beyond them is a 503 that took
 * nothing. Made deterministic by holding the product's row lock from the test, in the app's
 * own unit of work, while requests pile up. MariaDB only: on SQLite the unit-of-work mutex
 * serialises everything, the Idempotency-Key lookup included, so a held lock stops every request.
 */
describe('Hold load shedding (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ HOLD_BATCH_MAX_QUEUED: '1', HOLD_BATCH_MAX_QUEUED_TOTAL: '3' });
  });

  afterAll(async () => {
    await t.close();
  });

  /** Holds the product's lock until the returned function is called. */
  async function lockProduct(productId: number): Promise<() => Promise<void>> {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const unit = t.app.get(UnitOfWork).run(async (manager) => {
      await t.app.get(ProductsRepository).lockById(manager, productId);
      locked();
      await gate;
    });
    await isLocked;
    return async () => {
      release();
      await unit;
    };
  }

  /** Statements of this suite's database waiting in a locking read (the holder's connection is idle). */
  async function lockWaits(): Promise<number> {
    const [row] = await t.dataSource.query(
      "SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE '%FOR UPDATE%'",
      [t.databaseName],
    );
    return Number(row.waiting);
  }

  function collect(requests: Array<Promise<Response>>) {
    const answered: Response[] = [];
    for (const request of requests) void request.then((response) => answered.push(response));
    return { answered, all: Promise.all(requests) };
  }

  const keyedHold = (productId: number, key = randomUUID()) =>
    t.http.post('/api/holds').set('Idempotency-Key', key).send({ product_id: productId, quantity: 1 });

  it('should shed keyed holds beyond the per-product bound with 503 SERVICE_BUSY, taking nothing', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const unlock = await lockProduct(product.id);

    const { answered, all } = collect(keys.map((key) => keyedHold(product.id, key)));
    // One request waits for the lock (the bound is 1); every other one is refused at once.
    const refusedInTime = await pollUntil(
      () => (answered.length >= 19 ? true : undefined),
      Date.now() + 10_000,
    );
    expect(refusedInTime).toBe(true);
    await unlock();
    const responses = await all;

    const created = responses.filter((response) => response.status === 201);
    const busy = responses.filter((response) => response.status === 503);
    expect(created).toHaveLength(1);
    expect(busy).toHaveLength(19);
    for (const response of busy) {
      expect(response.body.code).toBe('SERVICE_BUSY');
      expect(response.headers['retry-after']).toBeDefined();
    }
    expect(await stockOf(t, product.id)).toBe(99);

    // A shed key stored nothing: its retry, once there is room, reserves.
    const shedKey = keys[responses.findIndex((response) => response.status === 503)];
    const retry = await keyedHold(product.id, shedKey).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await stockOf(t, product.id)).toBe(98);
  });

  it('should count keyed and plain holds against one bound', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
    const unlock = await lockProduct(product.id);

    const plain = t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 });
    const first = collect([plain]);
    expect(
      await pollUntil(async () => ((await lockWaits()) === 1 ? true : undefined), Date.now() + 10_000),
    ).toBe(true);
    // The plain hold is in the product's batch, waiting for the lock: a keyed one has no room left.
    const keyed = await keyedHold(product.id);
    expect(keyed.status).toBe(503);
    expect(keyed.body.code).toBe('SERVICE_BUSY');
    expect(first.answered).toHaveLength(0);
    await unlock();
    expect((await first.all)[0].status).toBe(201);
  });

  it('should bound the waiting holds across products, with 503 SERVICE_BUSY beyond the total', async () => {
    const products = await Promise.all(
      Array.from({ length: 5 }, () => createProduct(t.dataSource, { totalStock: 10, availableStock: 10 })),
    );
    const unlocks: Array<() => Promise<void>> = [];
    for (const product of products) unlocks.push(await lockProduct(product.id));

    const { answered, all } = collect(products.map((product) => keyedHold(product.id)));
    const refusedInTime = await pollUntil(
      () => (answered.length >= 2 ? true : undefined),
      Date.now() + 10_000,
    );
    expect(refusedInTime).toBe(true);
    for (const unlock of unlocks) await unlock();
    const responses = await all;

    // Three wait (the total bound), one per product; the other two are shed although their own product had room.
    expect(responses.filter((response) => response.status === 201)).toHaveLength(3);
    expect(
      responses.filter((response) => response.status === 503 && response.body.code === 'SERVICE_BUSY'),
    ).toHaveLength(2);
    const left = await Promise.all(products.map((product) => stockOf(t, product.id)));
    expect(left.reduce((sum, stock) => sum + (10 - stock), 0)).toBe(3);
  });
});

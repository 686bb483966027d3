import type { Response } from 'supertest';
import type { EntityManager } from 'typeorm';
import { databaseNow } from '../../src/database/db-clock';
import { UnitOfWork } from '../../src/database/unit-of-work';
import { Product } from '../../src/products/product.entity';
import { ProductsRepository } from '../../src/products/products.repository';
import { createProduct } from '../factories/product.factory';
import { holdsById, stockOf } from '../utils/expiry';
import { pollUntil, sleep } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';
import { EMBEDDED } from '../utils/test-env';

const TTL_SECONDS = 30;
const LOCK_HELD_MS = 2_000;

/**
 * A hold batch decides by the database's clock as of the moment its product lock is granted,
 * not when it started waiting for it. In MariaDB, UTC_TIMESTAMP() inside the locking SELECT is
 * the statement's start: a batch that queued 2 s behind another connection's lock got holds
 * 2 s short, and a batch that waited through sale_ends_at was still granted. In embedded mode
 * a unit waits for the process's one write lock before its first statement: the same answers.
 */
describe('The database clock is read once the product lock is held (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ HOLD_TTL_SECONDS: String(TTL_SECONDS) });
  });

  afterAll(async () => {
    await t.close();
  });

  /**
   * Holds the product's row lock in a transaction of another connection (on SQLite, the unit
   * of work's turn) while `meanwhile` runs; returns the database's time just before that
   * transaction commits and lets the waiting batch have the lock.
   */
  async function withProductLocked(
    productId: number,
    meanwhile: (manager: EntityManager) => Promise<void>,
  ): Promise<Date> {
    return t.app.get(UnitOfWork).run(async (manager) => {
      await t.app.get(ProductsRepository).lockById(manager, productId);
      await meanwhile(manager);
      return databaseNow(manager);
    });
  }

  /** Sends a hold request (supertest starts it on `then`). */
  function sendHold(productId: number): Promise<Response> {
    return t.http
      .post('/api/holds')
      .send({ product_id: productId, quantity: 1 })
      .then((response) => response);
  }

  /**
   * Until the hold batch's locking read is running on this suite's database: the product's row
   * is locked by the test's transaction, so a running `FOR UPDATE` there is one that waits.
   * (Not INNODB_TRX's 'LOCK WAIT': MariaDB waits for a primary-key lock already in the
   * optimizer's "Statistics" phase, where the transaction does not always show in that table.)
   * MariaDB only; on SQLite the batch waits in the process, not in SQL.
   */
  async function untilBatchWaitsForLock(): Promise<void> {
    if (EMBEDDED) return;
    const waiting = await pollUntil(async () => {
      const [row] = await t.dataSource.query<Array<{ waiting: number | string }>>(
        `SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST
          WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Query'
            AND INFO LIKE '%FOR UPDATE%' AND INFO NOT LIKE '%SKIP LOCKED%'`,
      );
      return Number(row.waiting) > 0 ? true : undefined;
    }, Date.now() + 20_000);
    expect(waiting).toBe(true);
  }

  it('should give a batch that waited 2 s for the product lock its full TTL from when the lock was granted', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    let answer!: Promise<Response>;

    const lockGivenUpAt = await withProductLocked(product.id, async () => {
      answer = sendHold(product.id);
      await untilBatchWaitsForLock();
      await sleep(LOCK_HELD_MS);
    });
    const response = await answer;

    expect(response.status).toBe(201);
    const [hold] = await holdsById(t, [response.body.data.hold_id as number]);
    expect(hold.createdAt.getTime()).toBeGreaterThanOrEqual(lockGivenUpAt.getTime());
    expect(hold.holdExpiresAt.getTime() - hold.createdAt.getTime()).toBe(TTL_SECONDS * 1000);
    expect(Date.parse(response.body.data.hold_expires_at as string)).toBe(hold.holdExpiresAt.getTime());
  });

  it('should refuse a batch that waited for the product lock until after sale_ends_at', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    let answer!: Promise<Response>;

    await withProductLocked(product.id, async (manager) => {
      answer = sendHold(product.id);
      await untilBatchWaitsForLock();
      // The sale ends while the batch waits: set by the lock's holder, committed with its release.
      const saleEndsAt = new Date((await databaseNow(manager)).getTime() + 300);
      await manager.getRepository(Product).update(product.id, { saleEndsAt });
      const ended = await pollUntil(
        async () => ((await databaseNow(manager)) > saleEndsAt ? true : undefined),
        Date.now() + 5_000,
      );
      expect(ended).toBe(true);
    });
    const response = await answer;

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ status: 'error', code: 'SALE_ENDED' });
    expect(await stockOf(t, product.id)).toBe(10);
  });
});

import { ConfigService } from '@nestjs/config';
import { In } from 'typeorm';
import { ExpiredHoldsSweeper } from '../../src/expiry/expired-holds.sweeper';
import { HoldExpiryScheduler, NoopHoldExpiryScheduler } from '../../src/expiry/hold-expiry.scheduler';
import { Hold } from '../../src/holds/hold.entity';
import { HoldsService } from '../../src/holds/holds.service';
import { insertHold } from '../factories/hold.factory';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { betweenUnits } from '../utils/embedded';
import { duplicates, expiryQueue, recordReleases } from '../utils/expiry';
import { pollUntil, sleep } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * Hold expiry in embedded mode: no Redis, no BullMQ; the sweeper, every second by default,
 * is the only path. Same guarantees as with jobs: released once, never when used, stock exact.
 */
describe('Hold expiry without Redis: the sweeper alone (embedded e2e)', () => {
  let t: TestApp;
  let holdsService: HoldsService;
  let sweeper: ExpiredHoldsSweeper;
  let releases: ReturnType<typeof recordReleases>;

  // HOLD_SWEEP_INTERVAL_SECONDS '' = unset: the embedded default applies.
  const settings = { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '' };

  beforeAll(async () => {
    t = await createTestApp(settings);
    holdsService = t.app.get(HoldsService);
    sweeper = t.app.get(ExpiredHoldsSweeper);
  });

  beforeEach(() => {
    releases = recordReleases();
  });

  afterEach(() => {
    releases.restore();
  });

  afterAll(async () => {
    await t.close();
  });

  async function createHold(app: TestApp, productId: number, quantity: number) {
    const response = await app.http.post('/api/holds').send({ product_id: productId, quantity }).expect(201);
    const { hold_id: id, hold_expires_at: expiresAt } = response.body.data;
    return { id: id as number, quantity, expiresAt: Date.parse(expiresAt) };
  }

  const stockOf = (app: TestApp, productId: number) =>
    betweenUnits(app, async (dataSource) => (await reloadProduct(dataSource, productId)).availableStock);
  const holdsById = (app: TestApp, ids: number[]) =>
    betweenUnits(app, (dataSource) => dataSource.getRepository(Hold).findBy({ id: In(ids) }));

  it('should run no queue, and sweep every second by default', () => {
    expect(() => expiryQueue(t)).toThrow();
    expect(t.app.get(HoldExpiryScheduler)).toBeInstanceOf(NoopHoldExpiryScheduler);
    expect(t.app.get(ConfigService).getOrThrow('app.holdSweepIntervalSeconds')).toBe(1);
  });

  it("should give an expired hold's stock back within the sweep interval (1 s) + 1 s of hold_expires_at", async () => {
    const product = await betweenUnits(t, (dataSource) =>
      createProduct(dataSource, { totalStock: 10, availableStock: 10 }),
    );
    const hold = await createHold(t, product.id, 3);
    expect(await stockOf(t, product.id)).toBe(7);

    const stock = await pollUntil(async () => {
      const available = await stockOf(t, product.id);
      return available === 10 ? available : undefined;
    }, hold.expiresAt + 2_000);

    expect(stock).toBe(10);
    const [row] = await holdsById(t, [hold.id]);
    const lateness = row.releasedAt!.getTime() - hold.expiresAt;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(2_000);
    expect(releases.sources.get(hold.id)).toBe('sweeper');
  });

  it('should show expired once the clock passes hold_expires_at, and released_at once released', async () => {
    const product = await betweenUnits(t, (dataSource) => createProduct(dataSource));
    const hold = await createHold(t, product.id, 1);
    expect((await t.http.get(`/api/holds/${hold.id}`).expect(200)).body.data).toMatchObject({ status: 'active' });

    await sleep(hold.expiresAt - Date.now() + 1);
    expect((await t.http.get(`/api/holds/${hold.id}`).expect(200)).body.data.status).toBe('expired');

    const released = await pollUntil(async () => {
      const response = await t.http.get(`/api/holds/${hold.id}`).expect(200);
      return response.body.data.released_at === null ? undefined : response.body.data;
    }, hold.expiresAt + 2_000);
    expect(released).toMatchObject({ status: 'expired', used_at: null });
    expect((await t.http.get(`/api/products/${product.id}`).expect(200)).body.data.available_stock).toBe(100);
  });

  it('should release 40 holds expiring together exactly once each, racing sweeps and direct releases', async () => {
    const product = await betweenUnits(t, (dataSource) =>
      createProduct(dataSource, { totalStock: 200, availableStock: 200 }),
    );
    // A hold that stays active: a unit returned twice would push the stock above 193,
    // where the total_stock guard would not catch it.
    await betweenUnits(t, (dataSource) => insertHold(dataSource, { productId: product.id, quantity: 7 }));
    const holds = await Promise.all(Array.from({ length: 40 }, (_, i) => createHold(t, product.id, 1 + (i % 3))));
    const ids = holds.map((hold) => hold.id);
    const lastExpiry = Math.max(...holds.map((hold) => hold.expiresAt));

    // At the expiry instant the interval's own sweeps race two more and a release per hold.
    await sleep(Math.min(...holds.map((hold) => hold.expiresAt)) - Date.now());
    const direct = ids.map((id) => holdsService.releaseIfExpired(id, 'sweeper'));
    await Promise.all([sweeper.run(), ...direct, sweeper.run()]);
    await pollUntil(async () => {
      const rows = await holdsById(t, ids);
      return rows.every((row) => row.releasedAt) ? true : undefined;
    }, lastExpiry + 2_000);

    expect(await stockOf(t, product.id)).toBe(193);
    const rows = await holdsById(t, ids);
    expect(rows.filter((row) => row.releasedAt && !row.usedAt)).toHaveLength(40);
    expect(duplicates(releases.ids)).toEqual([]);
    expect([...releases.ids].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('should end every hold used or released, never both, when an order races the expiry (50 trials)', async () => {
    const product = await betweenUnits(t, (dataSource) =>
      createProduct(dataSource, { totalStock: 500, availableStock: 500 }),
    );
    const holds = await Promise.all(Array.from({ length: 50 }, (_, i) => createHold(t, product.id, 1 + (i % 4))));

    // Trials spread evenly from 60 ms before to 60 ms after each hold's expiry. In each, the
    // order, a direct release and a sweep start together (and the interval keeps sweeping).
    const orderStatuses = await Promise.all(
      holds.map(async (hold, i) => {
        await sleep(hold.expiresAt - 60 + (120 * i) / (holds.length - 1) - Date.now());
        const [order] = await Promise.all([
          t.http.post('/api/orders').send({ hold_id: hold.id }),
          holdsService.releaseIfExpired(hold.id, 'sweeper'),
          sweeper.run(),
        ]);
        return order.status;
      }),
    );
    const ids = holds.map((hold) => hold.id);
    const rows =
      (await pollUntil(async () => {
        const current = await holdsById(t, ids);
        return current.every((row) => row.usedAt || row.releasedAt) ? current : undefined;
      }, Math.max(...holds.map((hold) => hold.expiresAt)) + 2_000)) ?? (await holdsById(t, ids));

    const byId = new Map(rows.map((row) => [row.id, row]));
    const used = holds.filter((hold) => byId.get(hold.id)!.usedAt);
    const released = holds.filter((hold) => byId.get(hold.id)!.releasedAt);
    expect(rows.filter((row) => row.usedAt && row.releasedAt)).toEqual([]);
    expect(used.length + released.length).toBe(50);
    expect(used.length).toBeGreaterThan(0);
    expect(released.length).toBeGreaterThan(0);
    holds.forEach((hold, i) =>
      expect([hold.id, orderStatuses[i]]).toEqual([hold.id, byId.get(hold.id)!.usedAt ? 201 : 409]),
    );
    const [{ count }] = await betweenUnits(t, (dataSource) =>
      dataSource.query(`SELECT COUNT(*) AS count FROM orders WHERE hold_id IN (${ids.map(() => '?').join(', ')})`, ids),
    );
    expect(Number(count)).toBe(used.length);
    const usedUnits = used.reduce((sum, hold) => sum + hold.quantity, 0);
    expect(await stockOf(t, product.id)).toBe(500 - usedUnits);
    expect(duplicates(releases.ids)).toEqual([]);
  });

  it('should release at start the holds that expired while the process was stopped', async () => {
    // No periodic sweep in either process: only the start-up run can release these holds.
    const quiet = { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '3600' };
    const first = await createTestApp(quiet);
    const product = await betweenUnits(first, (dataSource) =>
      createProduct(dataSource, { totalStock: 20, availableStock: 20 }),
    );
    const holds = await Promise.all([createHold(first, product.id, 4), createHold(first, product.id, 5)]);
    // Stopped before the holds expire; closing gives the file back to the next process.
    await first.close({ keepDatabase: true });
    await sleep(Math.max(...holds.map((hold) => hold.expiresAt)) - Date.now() + 100);

    const second = await createTestApp({ ...quiet, DB_DATABASE: first.databaseName });
    try {
      const stock = await pollUntil(async () => {
        const available = await stockOf(second, product.id);
        return available === 20 ? available : undefined;
      }, Date.now() + 1_000);
      expect(stock).toBe(20);
      expect([...releases.ids].sort((a, b) => a - b)).toEqual(holds.map((hold) => hold.id).sort((a, b) => a - b));
    } finally {
      await second.close();
    }
  });
});

import { ExpiredHoldsSweeper } from '../src/expiry/expired-holds.sweeper';
import { HoldsService } from '../src/holds/holds.service';
import { insertHold } from './factories/hold.factory';
import { createProduct, reloadProduct } from './factories/product.factory';
import { duplicates, expiryQueue, loadHolds, recordReleases } from './utils/expiry';
import { pollUntil, sleep } from './utils/poll';
import { createTestApp, TestApp } from './utils/test-app';

/** Hold expiry with the worker running in the API process (the default layout). */
describe('Hold expiry (e2e)', () => {
  let t: TestApp;
  let holdsService: HoldsService;
  let sweeper: ExpiredHoldsSweeper;
  let releases: ReturnType<typeof recordReleases>;

  beforeAll(async () => {
    // A long sweep interval: after the start-up run, only jobs release holds unless a test
    // runs the sweeper itself, so each test knows which path it exercises.
    t = await createTestApp({
      HOLD_TTL_SECONDS: '2',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_ENABLED: 'true',
    });
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

  async function createHold(productId: number, quantity: number) {
    const response = await t.http.post('/api/holds').send({ product_id: productId, quantity }).expect(201);
    const { hold_id: id, hold_expires_at: expiresAt } = response.body.data;
    return { id: id as number, quantity, expiresAt: Date.parse(expiresAt) };
  }

  it("should give an expired hold's stock back within 1 s of hold_expires_at, by its delayed job", async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await createHold(product.id, 3);
    expect(await expiryQueue(t).getJobState(`hold-${hold.id}`)).toBe('delayed');
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(7);

    const stock = await pollUntil(async () => {
      const { availableStock } = await reloadProduct(t.dataSource, product.id);
      return availableStock === 10 ? availableStock : undefined;
    }, hold.expiresAt + 1000);

    expect(stock).toBe(10);
    const [row] = await loadHolds(t.dataSource, [hold.id]);
    const lateness = row.releasedAt!.getTime() - hold.expiresAt;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1000);
    expect(releases.sources.get(hold.id)).toBe('job');
    expect(await expiryQueue(t).getJobState(`hold-${hold.id}`)).toBe('unknown');
  });

  it('should remove the hold\'s job when the hold becomes an order', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await createHold(product.id, 2);
    expect(await expiryQueue(t).getJobState(`hold-${hold.id}`)).toBe('delayed');

    await t.http.post('/api/orders').send({ hold_id: hold.id }).expect(201);

    expect(await expiryQueue(t).getJobState(`hold-${hold.id}`)).toBe('unknown');
  });

  it('should show expired once the clock passes hold_expires_at, and released_at once released', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await createHold(product.id, 1);
    const before = await t.http.get(`/api/holds/${hold.id}`).expect(200);
    expect(before.body.data).toMatchObject({ status: 'active', released_at: null, used_at: null });

    await sleep(hold.expiresAt - Date.now() + 1);
    const expired = await t.http.get(`/api/holds/${hold.id}`).expect(200);
    expect(expired.body.data.status).toBe('expired');

    const released = await pollUntil(async () => {
      const response = await t.http.get(`/api/holds/${hold.id}`).expect(200);
      return response.body.data.released_at === null ? undefined : response.body.data;
    }, hold.expiresAt + 1000);
    expect(released).toMatchObject({ status: 'expired', used_at: null });
    expect(Date.parse(released.released_at)).toBeGreaterThanOrEqual(hold.expiresAt);
  });

  it('should release 40 holds expiring together exactly once each, racing jobs, sweeper and duplicate jobs', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 200, availableStock: 200 });
    // A hold that stays active: a unit returned twice would push the stock above 193,
    // where the total_stock guard would not catch it.
    await insertHold(t.dataSource, { productId: product.id, quantity: 7 });
    const holds = await Promise.all(Array.from({ length: 40 }, (_, i) => createHold(product.id, 1 + (i % 3))));
    const ids = holds.map((hold) => hold.id);
    const lastExpiry = Math.max(...holds.map((hold) => hold.expiresAt));

    // At the expiry instant the delayed jobs race with two sweeper runs and a second copy of every job.
    await sleep(Math.min(...holds.map((hold) => hold.expiresAt)) - Date.now());
    const duplicateJobs = ids.map((id) => holdsService.releaseIfExpired(id, 'job'));
    await Promise.all([sweeper.run(), ...duplicateJobs, sweeper.run()]);
    await pollUntil(async () => {
      const rows = await loadHolds(t.dataSource, ids);
      return rows.every((row) => row.releasedAt) ? true : undefined;
    }, lastExpiry + 1000);

    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(193);
    const rows = await loadHolds(t.dataSource, ids);
    expect(rows.filter((row) => row.releasedAt && !row.usedAt)).toHaveLength(40);
    expect(duplicates(releases.ids)).toEqual([]);
    expect([...releases.ids].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('should end every hold used or released, never both, when an order races the expiry (50 trials)', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 500, availableStock: 500 });
    const holds = await Promise.all(Array.from({ length: 50 }, (_, i) => createHold(product.id, 1 + (i % 4))));

    // Trials spread evenly from 60 ms before to 60 ms after each hold's expiry. In each, the
    // order, a job's release and a sweeper run start together.
    const orderStatuses = await Promise.all(
      holds.map(async (hold, i) => {
        await sleep(hold.expiresAt - 60 + (120 * i) / (holds.length - 1) - Date.now());
        const [order] = await Promise.all([
          t.http.post('/api/orders').send({ hold_id: hold.id }),
          holdsService.releaseIfExpired(hold.id, 'job'),
          sweeper.run(),
        ]);
        return order.status;
      }),
    );
    const ids = holds.map((hold) => hold.id);
    // Holds that did not become orders are released by their jobs.
    const rows =
      (await pollUntil(async () => {
        const current = await loadHolds(t.dataSource, ids);
        return current.every((row) => row.usedAt || row.releasedAt) ? current : undefined;
      }, Math.max(...holds.map((hold) => hold.expiresAt)) + 1000)) ?? (await loadHolds(t.dataSource, ids));

    const byId = new Map(rows.map((row) => [row.id, row]));
    const used = holds.filter((hold) => byId.get(hold.id)!.usedAt);
    const released = holds.filter((hold) => byId.get(hold.id)!.releasedAt);
    expect(rows.filter((row) => row.usedAt && row.releasedAt)).toEqual([]);
    expect(used.length + released.length).toBe(50);
    // Both outcomes happened, so the trials really straddled the boundary.
    expect(used.length).toBeGreaterThan(0);
    expect(released.length).toBeGreaterThan(0);
    holds.forEach((hold, i) =>
      expect([hold.id, orderStatuses[i]]).toEqual([hold.id, byId.get(hold.id)!.usedAt ? 201 : 409]),
    );
    const [{ count }] = await t.dataSource.query('SELECT COUNT(*) AS count FROM orders WHERE hold_id IN (?)', [
      ids,
    ]);
    expect(Number(count)).toBe(used.length);
    const usedUnits = used.reduce((sum, hold) => sum + hold.quantity, 0);
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(500 - usedUnits);
    expect(duplicates(releases.ids)).toEqual([]);
  });
});

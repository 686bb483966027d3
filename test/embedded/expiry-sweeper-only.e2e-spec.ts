import { ConfigService } from '@nestjs/config';
import {
  HoldExpiryScheduler,
  NoopHoldExpiryScheduler,
} from '../../src/expiry/scheduling/hold-expiry.scheduler';
import { createProduct } from '../factories/product.factory';
import { betweenUnits } from '../utils/embedded';
import { expiryQueue, holdsById, placeHold, recordReleases, stockOf } from '../utils/expiry';
import {
  expectReleasedOnceEach,
  expectUsedOrReleased,
  expireTogether,
  orderRacesExpiry,
  releasePaths,
} from '../utils/expiry-scenarios';
import { pollUntil, sleep } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * Hold expiry in embedded mode: no Redis, no BullMQ; the sweeper, every second by default,
 * is the only path. Same guarantees as with jobs: released once, never when used, stock exact.
 */
describe('Hold expiry without Redis: the sweeper alone (embedded e2e)', () => {
  let t: TestApp;
  let releases: ReturnType<typeof recordReleases>;

  // HOLD_SWEEP_INTERVAL_SECONDS '' = unset: the embedded default applies.
  const settings = { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '' };

  beforeAll(async () => {
    t = await createTestApp(settings);
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

  it('should run no queue, and sweep every second by default', () => {
    expect(() => expiryQueue(t)).toThrow();
    expect(t.app.get(HoldExpiryScheduler)).toBeInstanceOf(NoopHoldExpiryScheduler);
    expect(t.app.get(ConfigService).getOrThrow('app.holdSweepIntervalSeconds')).toBe(1);
  });

  it("should give an expired hold's stock back within the sweep interval (1 s) + 1 s of hold_expires_at", async () => {
    const product = await betweenUnits(t, (dataSource) =>
      createProduct(dataSource, { totalStock: 10, availableStock: 10 }),
    );
    const hold = await placeHold(t, product.id, 3);
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
    await releases.settled([hold.id]);
    expect(releases.sources.get(hold.id)).toBe('sweeper');
  });

  it('should show expired once the clock passes hold_expires_at, and released_at once released', async () => {
    const product = await betweenUnits(t, (dataSource) => createProduct(dataSource));
    const hold = await placeHold(t, product.id, 1);
    expect((await t.http.get(`/api/holds/${hold.id}`).expect(200)).body.data).toMatchObject({
      status: 'active',
    });

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
    // At the expiry instant the interval's own sweeps race two more and a release per hold.
    const outcome = await expireTogether(t, releasePaths(t, 'sweeper', 2_000));

    await releases.settled(outcome.ids);
    expectReleasedOnceEach(outcome, releases.ids);
    expect(new Set(releases.sources.values())).toEqual(new Set(['sweeper']));
  });

  it('should end every hold used or released, never both, when an order races the expiry (50 trials)', async () => {
    // In each trial the order races a direct release and a sweep (and the interval keeps sweeping);
    // holds that did not become orders are released within the sweep interval (1 s) + 1 s.
    const outcome = await orderRacesExpiry(t, releasePaths(t, 'sweeper', 2_000));
    await releases.settled(outcome.rows.filter((row) => row.releasedAt).map((row) => row.id));

    expectUsedOrReleased(outcome, releases.ids);
    expect(new Set(releases.sources.values())).toEqual(new Set(['sweeper']));
  });

  it('should release at start the holds that expired while the process was stopped', async () => {
    // No periodic sweep in either process: only the start-up run can release these holds.
    const quiet = { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '3600' };
    const first = await createTestApp(quiet);
    const product = await betweenUnits(first, (dataSource) =>
      createProduct(dataSource, { totalStock: 20, availableStock: 20 }),
    );
    const holds = await Promise.all([placeHold(first, product.id, 4), placeHold(first, product.id, 5)]);
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
      expect([...releases.ids].sort((a, b) => a - b)).toEqual(
        holds.map((hold) => hold.id).sort((a, b) => a - b),
      );
    } finally {
      await second.close();
    }
  });
});

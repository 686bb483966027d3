import { holdIdsOf, type HoldExpiryJobData } from '../../src/expiry/scheduling/hold-expiry.jobs';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { expiryQueue, jobIdOf, loadHolds, placeHold, recordReleases } from '../utils/expiry';
import {
  expectReleasedOnceEach,
  expectUsedOrReleased,
  expireTogether,
  orderRacesExpiry,
  releasePaths,
} from '../utils/expiry-scenarios';
import { pollUntil, sleep } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

/** Hold expiry with the worker running in the API process (the default layout). */
describe('Hold expiry (e2e)', () => {
  let t: TestApp;
  let releases: ReturnType<typeof recordReleases>;

  beforeAll(async () => {
    // A long sweep interval: after the start-up run, only jobs release holds unless a test
    // runs the sweeper itself, so each test knows which path it exercises.
    t = await createTestApp({
      HOLD_TTL_SECONDS: '2',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_ENABLED: 'true',
    });
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

  it("should give an expired hold's stock back within 1 s of hold_expires_at, by its delayed job", async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await placeHold(t, product.id, 3);
    expect(await expiryQueue(t).getJobState(jobIdOf(t, hold))).toBe('delayed');
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
    await releases.settled([hold.id]);
    expect(releases.sources.get(hold.id)).toBe('job');
    expect(await expiryQueue(t).getJobState(jobIdOf(t, hold))).toBe('unknown');
  });

  it("should leave a hold that became an order alone when the hold's job runs", async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await placeHold(t, product.id, 2);
    expect(await expiryQueue(t).getJobState(jobIdOf(t, hold))).toBe('delayed');

    await t.http.post('/api/orders').send({ hold_id: hold.id }).expect(201);

    // The job is not removed: it runs at the expiry, finds the hold used and completes.
    expect(await expiryQueue(t).getJobState(jobIdOf(t, hold))).toBe('delayed');
    const gone = await pollUntil(
      async () => ((await expiryQueue(t).getJobState(jobIdOf(t, hold))) === 'unknown' ? true : undefined),
      hold.expiresAt + 1000,
    );
    expect(gone).toBe(true);
    const [row] = await loadHolds(t.dataSource, [hold.id]);
    expect(row.usedAt).not.toBeNull();
    expect(row.releasedAt).toBeNull();
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(8);
    expect(releases.ids).not.toContain(hold.id);
  });

  it('should release the holds of one batch together, by one job named after its first hold', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 50, availableStock: 50 });
    // Concurrent requests for one product share transactions: fewer jobs than holds.
    const holds = await Promise.all(Array.from({ length: 10 }, () => placeHold(t, product.id, 1)));
    const jobs = (await expiryQueue(t).getDelayed()).filter((job) =>
      holdIdsOf(job.data as HoldExpiryJobData).some((id) => holds.some((hold) => hold.id === id)),
    );
    const batched = jobs.flatMap((job) => holdIdsOf(job.data as HoldExpiryJobData)).sort((a, b) => a - b);
    expect(batched).toEqual(holds.map((hold) => hold.id).sort((a, b) => a - b));
    expect(jobs.length).toBeLessThan(holds.length);
    for (const job of jobs) {
      const first = Math.min(...holdIdsOf(job.data as HoldExpiryJobData));
      expect(job.id).toBe(
        jobIdOf(
          t,
          holds.find((hold) => hold.id === first)!,
        ),
      );
    }

    const stock = await pollUntil(
      async () => {
        const { availableStock } = await reloadProduct(t.dataSource, product.id);
        return availableStock === 50 ? availableStock : undefined;
      },
      Math.max(...holds.map((hold) => hold.expiresAt)) + 1000,
    );
    expect(stock).toBe(50);
    await releases.settled(holds.map((hold) => hold.id));
    expect(holds.map((hold) => releases.sources.get(hold.id))).toEqual(Array(10).fill('job'));
  });

  it('should show expired once the clock passes hold_expires_at, and released_at once released', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await placeHold(t, product.id, 1);
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
    // At the expiry instant the delayed jobs race with two sweeper runs and a second copy of every job.
    const outcome = await expireTogether(t, releasePaths(t, 'job', 1000));
    await releases.settled(outcome.ids);

    expectReleasedOnceEach(outcome, releases.ids);
  });

  it('should end every hold used or released, never both, when an order races the expiry (50 trials)', async () => {
    // In each trial the order races a second copy of the hold's job and a sweeper run;
    // holds that did not become orders are released by their jobs (within 1 s).
    const outcome = await orderRacesExpiry(t, releasePaths(t, 'job', 1000));
    await releases.settled(outcome.rows.filter((row) => row.releasedAt).map((row) => row.id));

    expectUsedOrReleased(outcome, releases.ids);
  });
});

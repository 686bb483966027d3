import { EXPIRE_HOLD_JOB } from '../../src/expiry/scheduling/hold-expiry.jobs';
import { createProduct } from '../factories/product.factory';
import { expiryQueue, jobIdOf, loadHolds, placeHold, recordReleases } from '../utils/expiry';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * BullMQ times a delayed job with the clocks of the host that added it and of the worker's
 * host; the database's clock decides whether its holds are due. A job that runs early (the
 * adding host's clock behind the worker's) must wait for its holds, not complete without
 * releasing them and leave them locked until the sweeper's next run.
 */
describe('Hold expiry job that runs early (e2e)', () => {
  let t: TestApp;
  let releases: ReturnType<typeof recordReleases>;

  beforeAll(async () => {
    // No sweeper in the test's time: only a job can release the hold.
    t = await createTestApp({ HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '3600' });
  });

  beforeEach(() => {
    releases = recordReleases();
  });

  afterEach(() => releases.restore());

  afterAll(async () => {
    await t.close();
  });

  it('should wait for the holds to be due by the database clock, then release them by the job, on time', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await placeHold(t, product.id, 4);
    const queue = expiryQueue(t);
    // The hold's own job is replaced by one that runs at once, two seconds early.
    await queue.remove(jobIdOf(t, hold));
    await queue.add(
      EXPIRE_HOLD_JOB,
      { holdIds: [hold.id] },
      { jobId: `early-${hold.id}`, removeOnComplete: true },
    );

    const releasedAt = await pollUntil(async () => {
      const [row] = await loadHolds(t.dataSource, [hold.id]);
      return row.releasedAt ?? undefined;
    }, hold.expiresAt + 1_500);

    expect(releasedAt).toBeDefined();
    expect(releasedAt!.getTime()).toBeGreaterThanOrEqual(hold.expiresAt);
    await releases.settled([hold.id]);
    expect(releases.ids).toEqual([hold.id]);
    expect(releases.sources.get(hold.id)).toBe('job');
  });
});

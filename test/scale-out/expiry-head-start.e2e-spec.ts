import { JOB_HEAD_START_MS } from '../../src/expiry/working/expired-holds.sweeper';
import { createProduct } from '../factories/product.factory';
import { expiryQueue, jobIdOf, loadHolds, placeHold, recordReleases } from '../utils/expiry';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * While the queue's Redis is up, the sweeper (the safety net) leaves holds that expired less
 * than JOB_HEAD_START_MS ago to their delayed jobs, rather than racing them for the same rows
 * and product locks; a hold without a job is still released, that much later.
 */
describe('Sweeper and delayed jobs (e2e)', () => {
  let t: TestApp;
  let releases: ReturnType<typeof recordReleases>;

  beforeAll(async () => {
    t = await createTestApp({ HOLD_TTL_SECONDS: '1', HOLD_SWEEP_INTERVAL_SECONDS: '1' });
  });

  beforeEach(() => {
    releases = recordReleases();
  });

  afterEach(() => releases.restore());

  afterAll(async () => {
    await t.close();
  });

  const releasedAt = (id: number, deadline: number) =>
    pollUntil(async () => {
      const [row] = await loadHolds(t.dataSource, [id]);
      return row.releasedAt ?? undefined;
    }, deadline);

  it('should leave holds with a job to the job, though the sweeper runs every second', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 50, availableStock: 50 });
    const holds = [];
    for (let i = 0; i < 6; i++) {
      holds.push(await placeHold(t, product.id, 1));
      await new Promise((resolve) => setTimeout(resolve, 170));
    }

    for (const hold of holds) expect(await releasedAt(hold.id, hold.expiresAt + 1_500)).toBeDefined();
    await releases.settled(holds.map((hold) => hold.id));
    expect(holds.map((hold) => releases.sources.get(hold.id))).toEqual(Array(holds.length).fill('job'));
  });

  it('should release a hold whose job is gone by the sweeper, after the head start', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await placeHold(t, product.id, 2);
    expect(await expiryQueue(t).remove(jobIdOf(t, hold))).toBe(1);

    const at = await releasedAt(hold.id, hold.expiresAt + JOB_HEAD_START_MS + 3_000);

    expect(at).toBeDefined();
    expect(at!.getTime() - hold.expiresAt).toBeGreaterThanOrEqual(JOB_HEAD_START_MS);
    await releases.settled([hold.id]);
    expect(releases.sources.get(hold.id)).toBe('sweeper');
  });
});

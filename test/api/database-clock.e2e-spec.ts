import { databaseNow } from '../../src/database/db-clock';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { createProduct } from '../factories/product.factory';
import { skewAppClock } from '../utils/app-clock';
import { betweenUnits } from '../utils/embedded';
import { expiryQueue, holdsById, jobIdOf, placeHold, stockOf } from '../utils/expiry';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';
import { EMBEDDED } from '../utils/test-env';

const TTL_SECONDS = 4;
/** Far beyond the TTL: with the app's clock this far off, its verdict is the opposite of the database's. */
const SKEW_MS = 10 * 60 * 1000;

/**
 * One clock decides a hold's expiry: the database's. The app under test runs in this
 * process, so skewing this process's clock skews the app's, as on a host whose clock is
 * off; the database's clock (the same host's real time) is not. With the app's clock
 * deciding, each of these would go the other way.
 */
describe('The database clock decides hold expiry (e2e)', () => {
  let t: TestApp;
  let restoreClock: (() => void) | undefined;

  beforeAll(async () => {
    t = await createTestApp({ HOLD_TTL_SECONDS: String(TTL_SECONDS) });
  });

  afterEach(() => {
    restoreClock?.();
    restoreClock = undefined;
  });

  afterAll(async () => {
    await t.close();
  });

  const dbNow = () => betweenUnits(t, (dataSource) => databaseNow(dataSource.manager));

  /** Until the database's clock has passed `instant` (a poll of the database, not a sleep). */
  async function untilDatabasePasses(instant: Date): Promise<void> {
    const passed = await pollUntil(
      async () => ((await dbNow()) > instant ? true : undefined),
      Date.now() + TTL_SECONDS * 1000 + 5_000,
    );
    expect(passed).toBe(true);
  }

  it.each([
    ['ahead', SKEW_MS],
    ['behind', -SKEW_MS],
  ])(
    'should stamp created_at and hold_expires_at by the database clock with the app clock %s',
    async (_, skew) => {
      const product = await createProduct(t.dataSource);
      restoreClock = skewAppClock(skew);

      const before = await dbNow();
      const hold = await placeHold(t, product.id, 1);
      const after = await dbNow();

      const [row] = await holdsById(t, [hold.id]);
      expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(row.createdAt.getTime()).toBeLessThanOrEqual(after.getTime());
      expect(row.holdExpiresAt.getTime() - row.createdAt.getTime()).toBe(TTL_SECONDS * 1000);
      expect(hold.expiresAt).toBe(row.holdExpiresAt.getTime());
      if (!EMBEDDED) {
        // The job's delay is the TTL by the database's clock: the app's skew neither brings it
        // early (it would find the hold unexpired and leave it to the sweeper) nor late.
        const job = await expiryQueue(t).getJob(jobIdOf(t, hold));
        expect(job?.delay).toBe(TTL_SECONDS * 1000);
      }
    },
  );

  it('should neither release nor refuse to order a hold the database holds active while the app clock is past its expiry', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await placeHold(t, product.id, 3);
    restoreClock = skewAppClock(SKEW_MS);

    await t.app.get(ExpiredHoldsSweeper).run();
    const byJob = (await t.app.get(HoldReleasesService).release([hold.id], 'job')).released[0] ?? null;

    expect(byJob).toBeNull();
    const [row] = await holdsById(t, [hold.id]);
    expect(row.releasedAt).toBeNull();
    expect(await stockOf(t, product.id)).toBe(7);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.id });
    expect(order.status).toBe(201);
  });

  it('should show a hold active while the database holds it active, with the app clock past its expiry', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await placeHold(t, product.id, 1);
    restoreClock = skewAppClock(SKEW_MS);

    const one = await t.http.get(`/api/holds/${hold.id}`).expect(200);
    const newest = await t.http.get('/api/holds?per_page=1').expect(200);

    expect(one.body.data).toMatchObject({ id: hold.id, status: 'active' });
    expect(newest.body.data).toEqual([one.body.data]);
  });

  it('should show expired and refuse to order a hold the database has expired while the app clock is before its expiry', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await placeHold(t, product.id, 1);
    restoreClock = skewAppClock(-SKEW_MS);
    await untilDatabasePasses(new Date(hold.expiresAt));

    const shown = await t.http.get(`/api/holds/${hold.id}`).expect(200);
    expect(shown.body.data).toMatchObject({ status: 'expired', released_at: null });
    const order = await t.http.post('/api/orders').send({ hold_id: hold.id });

    expect(order.status).toBe(409);
    expect(order.body).toMatchObject({ status: 'error', code: 'HOLD_EXPIRED' });
  });

  it('should release a hold once the database has expired it while the app clock is before its expiry', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await placeHold(t, product.id, 4);
    restoreClock = skewAppClock(-SKEW_MS);
    await untilDatabasePasses(new Date(hold.expiresAt));

    // The sweeper, and in scale-out mode the hold's own job too: whichever comes first.
    await t.app.get(ExpiredHoldsSweeper).run();

    const [row] = await holdsById(t, [hold.id]);
    expect(row.releasedAt).not.toBeNull();
    expect(row.releasedAt!.getTime()).toBeGreaterThanOrEqual(row.holdExpiresAt.getTime());
    expect(await stockOf(t, product.id)).toBe(10);
  });
});

import { HoldReleasesService, ReleaseSource } from '../../src/holds/hold-releases.service';
import { HoldsModule } from '../../src/holds/holds.module';
import { insertHold } from '../factories/hold.factory';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestModule, TestModule } from '../utils/test-module';

const MINUTE_MS = 60_000;

/**
 * HoldReleasesService.release, the one release behind the delayed job and the sweeper, called
 * directly: any number of calls from both sources at once release each expired hold once and
 * give its units back once; used and not-yet-due holds stay. Through the app, these calls
 * race only when BullMQ and the sweeper happen to meet; here they always do.
 */
describe('HoldReleasesService (medium)', () => {
  let m: TestModule;
  let releases: HoldReleasesService;

  beforeAll(async () => {
    m = await createTestModule([HoldsModule]);
    releases = m.get(HoldReleasesService);
  });

  afterAll(() => m.close());

  it('should release each expired hold once, whatever calls from the job and the sweeper race for it', async () => {
    const products = [
      await createProduct(m.dataSource, { totalStock: 50, availableStock: 50 }),
      await createProduct(m.dataSource, { totalStock: 50, availableStock: 50 }),
    ];
    const expired = new Date(Date.now() - MINUTE_MS);
    const holds = [];
    for (let index = 0; index < 12; index++) {
      const product = products[index % 2];
      holds.push(
        await insertHold(m.dataSource, {
          productId: product.id,
          quantity: 1 + (index % 3),
          holdExpiresAt: expired,
        }),
      );
    }
    const ids = holds.map((hold) => hold.id);

    // 8 concurrent calls over all the holds, in both orders and from both sources.
    const sources: ReleaseSource[] = ['job', 'sweeper'];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, call) =>
        releases.release(call % 3 === 0 ? [...ids].reverse() : ids, sources[call % 2]),
      ),
    );

    const releasedIds = results.flatMap((result) => result.released.map((hold) => hold.id));
    expect([...releasedIds].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    for (const product of products) {
      expect(await reloadProduct(m.dataSource, product.id)).toMatchObject({
        totalStock: 50,
        availableStock: 50,
      });
    }
    // Called again once everything is released: nothing left to do.
    expect(await releases.release(ids, 'job')).toEqual({ released: [], notDueForMs: null });
  });

  it('should leave a used hold and a hold not due yet, and say when the latter will be', async () => {
    const product = await createProduct(m.dataSource, { totalStock: 10, availableStock: 10 });
    const used = await insertHold(m.dataSource, {
      productId: product.id,
      quantity: 2,
      holdExpiresAt: new Date(Date.now() - MINUTE_MS),
      usedAt: new Date(),
    });
    const notDue = await insertHold(m.dataSource, {
      productId: product.id,
      quantity: 3,
      holdExpiresAt: new Date(Date.now() + 10 * MINUTE_MS),
    });

    const result = await releases.release([used.id, notDue.id], 'job');

    expect(result.released).toEqual([]);
    // By the database's clock, which may differ a little from this process's.
    expect(result.notDueForMs).toBeGreaterThan(9 * MINUTE_MS);
    expect(result.notDueForMs).toBeLessThanOrEqual(11 * MINUTE_MS);
    expect(await reloadProduct(m.dataSource, product.id)).toMatchObject({ availableStock: 5 });
  });
});

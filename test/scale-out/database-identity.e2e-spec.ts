import { Logger } from '@nestjs/common';
import { execSync } from 'node:child_process';
import Redis from 'ioredis';
import { loadConfig } from '../../src/config/configuration';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { resetDatabase } from '../../src/database/prepare-database';
import { HoldExpiryScheduler } from '../../src/expiry/scheduling/hold-expiry.scheduler';
import { ProductChanges } from '../../src/products/changes/product-changes';
import { clearProductCache } from '../../src/products/cache/product-cache.store';
import { createProduct } from '../factories/product.factory';
import { expiryQueue, jobIdOf, loadHolds, placeHold, recordReleases } from '../utils/expiry';
import { pollUntil, sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';
import { SseClient } from '../utils/sse-client';
import { createTestApp, TestApp } from '../utils/test-app';
import { dropDatabase, TEST_DB, uniqueDatabaseName } from '../utils/test-env';

const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);

/**
 * State kept in Redis that names database rows (expiry jobs, product cache entries) carries
 * the database's identity: after `db:reset` (hold ids start at 1 again) or beside another
 * database on the same Redis and REDIS_PREFIX, nothing written for one is used for the other.
 */
describe('Database identity of Redis state (e2e)', () => {
  const apps: TestApp[] = [];
  const databases: string[] = [];
  const clients: SseClient[] = [];
  let releases: ReturnType<typeof recordReleases>;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis({ host: process.env.REDIS_HOST || '127.0.0.1', port: REDIS_PORT });
  });

  beforeEach(() => {
    releases = recordReleases();
  });

  afterEach(async () => {
    releases.restore();
    clients.splice(0).forEach((client) => client.close());
    for (const app of apps.splice(0)) await app.close({ keepDatabase: true });
    for (const name of databases.splice(0)) {
      await dropDatabase(name);
      await deleteRedisKeys(REDIS_PORT, `${name}*`);
      await deleteRedisKeys(REDIS_PORT, `{${name}*`);
    }
  });

  afterAll(() => redis.disconnect());

  async function start(env: Record<string, string>): Promise<TestApp> {
    const app = await createTestApp({ HOLD_SWEEP_INTERVAL_SECONDS: '3600', ...env });
    apps.push(app);
    if (!databases.includes(app.databaseName)) databases.push(app.databaseName);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.close({ keepDatabase: true });
  }

  /** `npm run db:reset`'s work on the suite's database; `withRedis: false` leaves Redis as an older version did. */
  async function dbReset(name: string, prefix: string, { withRedis }: { withRedis: boolean }): Promise<void> {
    Object.assign(process.env, { DB_DATABASE: name, REDIS_PREFIX: prefix });
    const { database: db, redis: redisSettings } = loadConfig();
    await resetDatabase(buildDataSourceOptions(db), db, withRedis ? redisSettings : undefined);
  }

  const keysUnder = (pattern: string) => redis.keys(pattern);

  it("should release a reused hold id on time by its own job, though the old database's job for that id is still delayed", async () => {
    const first = await start({ HOLD_TTL_SECONDS: '120' });
    const name = first.databaseName;
    const product = await createProduct(first.dataSource);
    const old = await placeHold(first, product.id, 3);
    const oldJob = jobIdOf(first, old);
    await stop(first);
    // As db:reset did before it cleared Redis: the old database's delayed job stays.
    await dbReset(name, name, { withRedis: false });

    const second = await start({ DB_DATABASE: name, HOLD_TTL_SECONDS: '2' });
    const again = await createProduct(second.dataSource);
    const hold = await placeHold(second, again.id, 2);

    expect(hold.id).toBe(old.id);
    expect(await keysUnder(`${name}:*:${oldJob}`)).toHaveLength(1);
    expect(await expiryQueue(second).getJobState(jobIdOf(second, hold))).toBe('delayed');
    const released = await pollUntil(async () => {
      const [row] = await loadHolds(second.dataSource, [hold.id]);
      return row.releasedAt ?? undefined;
    }, hold.expiresAt + 1_000);
    expect(released).toBeDefined();
    await releases.settled([hold.id]);
    expect(releases.sources.get(hold.id)).toBe('job');
  });

  it('should keep two databases on one Redis and prefix apart: their cached reads and their jobs', async () => {
    const prefix = uniqueDatabaseName();
    const a = await start({ REDIS_PREFIX: prefix, HOLD_TTL_SECONDS: '2' });
    const b = await start({ REDIS_PREFIX: prefix, HOLD_TTL_SECONDS: '2', DB_DATABASE: uniqueDatabaseName() });
    databases.push(prefix);
    expect(a.app.get(DatabaseIdentity).id).not.toBe(b.app.get(DatabaseIdentity).id);
    const productA = await createProduct(a.dataSource, { totalStock: 10, availableStock: 10 });
    const productB = await createProduct(b.dataSource, { totalStock: 50, availableStock: 50 });
    expect(productB.id).toBe(productA.id);

    await a.http.get(`/api/products/${productA.id}`).expect(200);
    const cachedA = await a.http.get(`/api/products/${productA.id}`).expect(200);
    expect(cachedA.headers['x-cache']).toBe('HIT');
    const readB = await b.http.get(`/api/products/${productB.id}`).expect(200);
    expect(readB.headers['x-cache']).toBe('MISS');
    expect(readB.body.data.available_stock).toBe(50);

    const [holdA, holdB] = [await placeHold(a, productA.id, 1), await placeHold(b, productB.id, 1)];
    expect(holdB.id).toBe(holdA.id);
    const bothReleased = await pollUntil(
      async () => {
        const [[rowA], [rowB]] = [
          await loadHolds(a.dataSource, [holdA.id]),
          await loadHolds(b.dataSource, [holdB.id]),
        ];
        return rowA.releasedAt && rowB.releasedAt ? true : undefined;
      },
      Math.max(holdA.expiresAt, holdB.expiresAt) + 1_000,
    );
    expect(bothReleased).toBe(true);
  });

  it('should keep a backup restored under another name apart from the original on the same Redis and prefix', async () => {
    const original = await start({});
    const name = original.databaseName;
    const product = await createProduct(original.dataSource, { totalStock: 100, availableStock: 100 });
    await placeHold(original, product.id, 7);
    // The backup: the original's rows, its app_instance row included, under a new name.
    const copy = uniqueDatabaseName();
    databases.push(copy);
    const credentials = `-h${TEST_DB.host} -P${TEST_DB.port} -u${TEST_DB.user}${TEST_DB.password ? ` -p${TEST_DB.password}` : ''}`;
    execSync(`mysql ${credentials} -e 'CREATE DATABASE ${copy}'`);
    execSync(`mysqldump ${credentials} --single-transaction ${name} | mysql ${credentials} ${copy}`);
    // The original sells on and its read is cached.
    await placeHold(original, product.id, 5);
    await original.http.get(`/api/products/${product.id}`).expect(200);
    expect((await original.http.get(`/api/products/${product.id}`).expect(200)).headers['x-cache']).toBe(
      'HIT',
    );

    const restored = await start({ DB_DATABASE: copy, REDIS_PREFIX: name });

    expect(restored.app.get(DatabaseIdentity).id).not.toBe(original.app.get(DatabaseIdentity).id);
    const read = await restored.http.get(`/api/products/${product.id}`).expect(200);
    expect(read.headers['x-cache']).toBe('MISS');
    expect(read.body.data.available_stock).toBe(93);
  });

  it('should not push a change made on another database to a stream of the same product id on one Redis and prefix', async () => {
    const prefix = uniqueDatabaseName();
    // Interval 0: a notification heard is read and pushed at once.
    const shared = { REDIS_PREFIX: prefix, STREAM_MIN_INTERVAL_MS: '0' };
    const a = await start(shared);
    const b = await start({ ...shared, DB_DATABASE: uniqueDatabaseName() });
    const b2 = await start({ ...shared, DB_DATABASE: b.databaseName });
    databases.push(prefix);
    const productA = await createProduct(a.dataSource, { totalStock: 10, availableStock: 10 });
    const productB = await createProduct(b.dataSource, { totalStock: 50, availableStock: 50 });
    const witness = await createProduct(b.dataSource, { totalStock: 20, availableStock: 20 });
    expect(productB.id).toBe(productA.id);
    // B hears other processes (its subscription is up) before its streams open.
    const live = await pollUntil(
      () => (b.app.get(ProductChanges).isLive() ? true : undefined),
      Date.now() + 10_000,
    );
    expect(live).toBe(true);
    const sameId = new SseClient(`${b.url}/api/products/${productB.id}/stream`);
    const other = new SseClient(`${b.url}/api/products/${witness.id}/stream`);
    clients.push(sameId, other);
    await Promise.all(
      [sameId, other].map((client) => client.waitFor((c) => c.events.length >= 1, 10_000, 'the first event')),
    );
    // Changed by hand, unannounced: any notification for this id reaching B would push 42.
    await b.dataSource.query('UPDATE products SET available_stock = 42 WHERE id = ?', [productB.id]);

    await placeHold(a, productA.id, 3);
    // Published after A's change: B hears it after anything A's publish could have sent B.
    await placeHold(b2, witness.id, 5);
    await other.waitFor((c) => c.last?.data.available_stock === 15, 10_000, "B2's change");
    // The read a notification for productB would have started before the witness's read.
    await sleep(300);

    expect(sameId.events.map((event) => event.data.available_stock)).toEqual([50]);
    expect(sameId.ended).toBe(false);
  });

  it('should not serve a cached read after db:reset, which clears the namespace and nothing outside it', async () => {
    const first = await start({});
    const name = first.databaseName;
    const product = await createProduct(first.dataSource, { totalStock: 100, availableStock: 100 });
    await placeHold(first, product.id, 7);
    await first.http.get(`/api/products/${product.id}`).expect(200);
    const cached = await first.http.get(`/api/products/${product.id}`).expect(200);
    expect(cached.headers['x-cache']).toBe('HIT');
    expect(cached.body.data.available_stock).toBe(93);
    await stop(first);
    // Another deployment on this Redis, under a longer prefix that starts the same.
    await redis.set(`${name}_other:keep`, '1');
    await redis.set(`${name}x:keep`, '1');
    await redis.set(`{${name}_other:rate-limit:k:default}:hits`, '1');
    // This deployment's rate-limit counter, hash-tagged as the throttler store names it.
    await redis.set(`{${name}:rate-limit:k:default}:hits`, '1');

    await dbReset(name, name, { withRedis: true });

    expect(await keysUnder(`${name}:*`)).toEqual([]);
    expect(await keysUnder(`{${name}:*`)).toEqual([]);
    expect((await keysUnder(`${name}?*:keep`)).sort()).toEqual(
      [`${name}_other:keep`, `${name}x:keep`].sort(),
    );
    expect(await keysUnder(`{${name}_other:*`)).toHaveLength(1);
    const second = await start({ DB_DATABASE: name, SEED_ON_START: 'true' });
    const read = await second.http.get('/api/products/1').expect(200);
    expect(read.headers['x-cache']).toBe('MISS');
    expect(read.body.data.available_stock).toBe(100);
  });

  it('should serve rows changed by hand once cache:clear ran', async () => {
    const t = await start({});
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
    await t.http.get(`/api/products/${product.id}`).expect(200);
    await t.dataSource.query('UPDATE products SET available_stock = 40 WHERE id = ?', [product.id]);
    const stale = await t.http.get(`/api/products/${product.id}`).expect(200);
    expect(stale.headers['x-cache']).toBe('HIT');
    expect(stale.body.data.available_stock).toBe(100);

    process.env.REDIS_PREFIX = t.databaseName;
    expect(await clearProductCache(loadConfig().redis)).toBeGreaterThan(0);

    const fresh = await t.http.get(`/api/products/${product.id}`).expect(200);
    expect(fresh.headers['x-cache']).toBe('MISS');
    expect(fresh.body.data.available_stock).toBe(40);
  });

  it('should log hold.expiry_duplicate_job at warn when BullMQ already has the job', async () => {
    // The log lines as the scheduler hands them to Nest's logger (nestjs-pino keeps the first
    // app's destination for the whole process, so LOG_DESTINATION cannot be swapped per app).
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const t = await start({ HOLD_TTL_SECONDS: '60' });
      const product = await createProduct(t.dataSource);
      const hold = await placeHold(t, product.id, 1);
      expect(warn).not.toHaveBeenCalledWith(expect.objectContaining({ event: 'hold.expiry_duplicate_job' }));

      await t.app.get(HoldExpiryScheduler).schedule([
        {
          id: hold.id,
          holdExpiresAt: new Date(hold.expiresAt),
          createdAt: new Date(hold.expiresAt - 60_000),
        },
      ]);

      expect(warn).toHaveBeenCalledWith({
        event: 'hold.expiry_duplicate_job',
        hold_id: hold.id,
        job_id: jobIdOf(t, hold),
        delay_ms: expect.any(Number),
      });
    } finally {
      warn.mockRestore();
    }
  });
});

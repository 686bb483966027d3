import { cleanEnv, runEntry, sparePort, stop, waitForAnswer } from '../utils/embedded';
import type { ChildRun } from '../utils/embedded';
import { pollUntil, sleep } from '../utils/poll';
import { RedisServer } from '../utils/redis-server';
import { logEvents } from '../utils/scale-out';
import { dropDatabase, TEST_DB, uniqueDatabaseName } from '../utils/test-env';

/**
 * Every Redis client of an API process (with its expiry worker) has an error listener: the
 * command connection (cache, queue, /health), the BullMQ worker's blocking connection (a
 * duplicate BullMQ makes), the rate limiter's, and the product-change publisher and
 * subscriber. A Redis outage is one `redis.unavailable` warning per client and one
 * `redis.recovered` when it is back, never ioredis's `Unhandled error event` on stderr (one
 * per client and failed reconnect). A real process, on a redis-server of this suite's own.
 */
const CLIENTS = [
  'commands',
  'line-events-publisher',
  'line-events-subscriber',
  'publisher',
  'queue-worker',
  'rate-limit',
  'subscriber',
];

describe('Redis clients during an outage (e2e)', () => {
  const database = uniqueDatabaseName();
  let redis: RedisServer;
  let run: ChildRun | undefined;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
  });

  afterAll(async () => {
    await stop(run);
    await redis.stop();
    await dropDatabase(database);
  });

  const clientsWith = (event: string) =>
    logEvents(run!.output(), event)
      .map((line) => String(line.client))
      .sort();

  it('should log one redis.unavailable per client per outage and redis.recovered after it, nothing unstructured', async () => {
    const port = await sparePort();
    run = runEntry(
      'main',
      cleanEnv({
        DB_TYPE: TEST_DB.type,
        DB_HOST: TEST_DB.host,
        DB_PORT: String(TEST_DB.port),
        DB_USERNAME: TEST_DB.user,
        DB_PASSWORD: TEST_DB.password,
        DB_DATABASE: database,
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redis.port),
        PORT: String(port),
        LOG_LEVEL: 'info',
      }),
    );
    const base = `http://127.0.0.1:${port}/api`;
    await waitForAnswer(`${base}/products/1`, run, Date.now() + 90_000);
    // A hold: the rate limiter counts it, the queue adds its job, the publisher announces it.
    const hold = await fetch(`${base}/holds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product_id: 1, quantity: 1 }),
    });
    expect(hold.status).toBe(201);
    expect(clientsWith('redis.unavailable')).toEqual([]);

    await redis.stop();
    const allDown = await pollUntil(
      () => (clientsWith('redis.unavailable').length >= CLIENTS.length ? true : undefined),
      Date.now() + 30_000,
    );
    expect({ allDown, clients: clientsWith('redis.unavailable') }).toEqual({
      allDown: true,
      clients: CLIENTS,
    });
    // Several reconnect attempts fail meanwhile (at most 1 s apart): still one warning each.
    await sleep(4_000);
    expect(clientsWith('redis.unavailable')).toEqual(CLIENTS);

    await redis.start();
    const allBack = await pollUntil(
      () => (clientsWith('redis.recovered').length >= CLIENTS.length ? true : undefined),
      Date.now() + 30_000,
    );
    expect({ allBack, clients: clientsWith('redis.recovered') }).toEqual({ allBack: true, clients: CLIENTS });
    const warning = logEvents(run.output(), 'redis.unavailable')[0];
    expect(warning).toMatchObject({ level: 'warn', context: 'Redis', reason: expect.any(String) });

    expect(run.output()).not.toContain('Unhandled error event');
    expect(
      run
        .output()
        .split('\n')
        .filter((line) => line.includes('[ioredis]')),
    ).toEqual([]);
  }, 180_000);
});

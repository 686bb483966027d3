import { createProduct } from '../factories/product.factory';
import { RedisServer } from '../utils/redis-server';
import { createTestApp, TestApp } from '../utils/test-app';

const LIMIT = 5;

/**
 * The rate limit counted in Redis, shared by two app instances (as by two API processes), and
 * failing open while Redis is down. On a redis-server of this suite's own, which it stops.
 * (Two real processes on a Redis Cluster: test/cluster/scale-out-cluster.e2e-spec.ts.)
 */
describe('Rate limit shared through Redis (e2e)', () => {
  let redis: RedisServer;
  let first: TestApp;
  let second: TestApp;
  let productId: number;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
    // API only: the rate limit is all this suite is about (no expiry worker to drain at close).
    const settings = {
      REDIS_PORT: String(redis.port),
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      WORKER_ENABLED: 'false',
    };
    first = await createTestApp(settings);
    second = await createTestApp({ ...settings, DB_DATABASE: first.databaseName });
    productId = (await createProduct(first.dataSource, { totalStock: 1000, availableStock: 1000 })).id;
  });

  afterAll(async () => {
    await redis.start();
    await second.close({ keepDatabase: true });
    await first.close();
    await redis.stop();
  });

  const hold = (t: TestApp) => t.http.post('/api/holds').send({ product_id: productId, quantity: 1 });
  const uncounted = async (t: TestApp) => {
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    return Number(/^flash_sale_rate_limit_unavailable_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
  };

  it('should allow the limit once in total across two app instances, not once each', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 * LIMIT }, (_, i) => hold(i % 2 ? second : first)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3 * LIMIT);
    expect(await uncounted(first)).toBe(0);
  });

  it('should let requests through, counted as uncounted, while Redis is down', async () => {
    await redis.stop();
    const before = await uncounted(first);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await hold(first).expect(201);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect(await uncounted(first)).toBe(before + 3);
  });
});

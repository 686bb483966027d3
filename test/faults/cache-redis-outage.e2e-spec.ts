import Redis from 'ioredis';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { RedisServer } from '../utils/redis-server';
import { createTestApp, TestApp } from '../utils/test-app';

/** Reads while Redis hangs, is gone, and comes back: on a redis-server of this suite's own. */
describe('Product cache with Redis hung or down (e2e)', () => {
  let redis: RedisServer;
  let t: TestApp;
  let productId: number;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
    t = await createTestApp({ REDIS_PORT: String(redis.port) });
    productId = (await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 })).id;
  });

  afterAll(async () => {
    await redis.start();
    await t.close();
    await redis.stop();
  });

  /** A read, with how long it took: "no hang" is the property under test. */
  async function timedRead() {
    const started = Date.now();
    const response = await t.http.get(`/api/products/${productId}`).expect(200);
    return { response, ms: Date.now() - started, available: response.body.data.available_stock as number };
  }

  const databaseStock = async () => (await reloadProduct(t.dataSource, productId)).availableStock;

  it('should use the cache while Redis answers', async () => {
    await timedRead();
    expect((await timedRead()).response.headers['x-cache']).toBe('HIT');
  });

  it('should serve reads and holds from the database, correct and without hanging, while Redis hangs', async () => {
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
    await admin.connect();
    try {
      // Every client but this one waits: commands hang as on a stalled server.
      await admin.client('PAUSE', 3_000, 'ALL');

      const during = await timedRead();
      expect(during.available).toBe(await databaseStock());
      expect(during.ms).toBeLessThan(2_000);

      await t.http.post('/api/holds').send({ product_id: productId, quantity: 2 }).expect(201);
      const afterHold = await timedRead();
      expect(afterHold.available).toBe(await databaseStock());
      expect(afterHold.available).toBe(98);
      expect(afterHold.ms).toBeLessThan(2_000);
    } finally {
      await admin.client('UNPAUSE');
      admin.disconnect();
    }
  });

  it('should serve reads and holds from the database while Redis is down, then use the cache again when it returns', async () => {
    await redis.stop();

    for (let i = 0; i < 3; i++) {
      const read = await timedRead();
      expect(read.response.headers['x-cache']).not.toBe('HIT');
      expect(read.available).toBe(await databaseStock());
      expect(read.ms).toBeLessThan(2_000);
    }
    await t.http.post('/api/holds').send({ product_id: productId, quantity: 3 }).expect(201);
    expect((await timedRead()).available).toBe(await databaseStock());

    // Back, empty (no persistence), on the same port: the client reconnects by itself.
    await redis.start();
    const deadline = Date.now() + 10_000;
    let hit = false;
    while (!hit && Date.now() < deadline) {
      const read = await timedRead();
      expect(read.available).toBe(await databaseStock());
      hit = read.response.headers['x-cache'] === 'HIT';
      if (!hit) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(hit).toBe(true);

    // And a stock change is seen at once again.
    await t.http.post('/api/holds').send({ product_id: productId, quantity: 1 }).expect(201);
    expect((await timedRead()).available).toBe(await databaseStock());
  });
});

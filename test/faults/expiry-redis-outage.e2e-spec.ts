import Redis from 'ioredis';
import { QUEUE_REDIS } from '../../src/expiry/scheduling/hold-expiry-queue.module';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { expiryQueue, jobIdOf, loadHolds } from '../utils/expiry';
import { pollUntil } from '../utils/poll';
import { RedisServer } from '../utils/redis-server';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const SWEEP_INTERVAL_SECONDS = 2;
/** "Neither fail nor hang": a request must answer long before any client would give up. */
const NO_HANG_MS = 2_000;

/** Redis goes away and comes back: a redis-server of this suite's own, never the shared one. */
describe('Hold expiry during a Redis outage (e2e)', () => {
  let redis: RedisServer;
  let t: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
    t = await createTestApp({
      REDIS_PORT: String(redis.port),
      HOLD_TTL_SECONDS: '2',
      HOLD_SWEEP_INTERVAL_SECONDS: String(SWEEP_INTERVAL_SECONDS),
      WORKER_ENABLED: 'true',
    });
  });

  afterAll(async () => {
    await redis.start();
    await t.close();
    await redis.stop();
  });

  async function timed<T>(send: () => PromiseLike<T>): Promise<{ response: T; ms: number }> {
    const started = Date.now();
    const response = await send();
    return { response, ms: Date.now() - started };
  }

  it('should create holds and orders while Redis is down, and release expired holds by the sweeper', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 50, availableStock: 50 });
    await redis.stop();

    const placeHold = async () => {
      const { response, ms } = await timed(() =>
        t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }),
      );
      expect(response.status).toBe(201);
      expect(ms).toBeLessThan(NO_HANG_MS);
      const { hold_id: id, hold_expires_at: expiresAt } = response.body.data;
      return { id: id as number, expiresAt: Date.parse(expiresAt) };
    };
    // Ordered as soon as it is placed: on a busy machine the four other holds took longer than
    // its 2 s TTL, and an order for an expired hold is rightly refused.
    const ordered = await placeHold();
    const order = await timed(() => t.http.post('/api/orders').send({ hold_id: ordered.id }));
    expect(order.response.status).toBe(201);
    expect(order.ms).toBeLessThan(NO_HANG_MS);
    const expiring: Array<{ id: number; expiresAt: number }> = [];
    for (let i = 0; i < 4; i++) expiring.push(await placeHold());

    const deadline =
      Math.max(...expiring.map((hold) => hold.expiresAt)) + (SWEEP_INTERVAL_SECONDS + 1) * 1000;
    const rows = await pollUntil(async () => {
      const current = await loadHolds(
        t.dataSource,
        expiring.map((hold) => hold.id),
      );
      return current.every((row) => row.releasedAt) ? current : undefined;
    }, deadline);

    expect(rows).toHaveLength(4);
    for (const row of rows!) {
      const expiresAt = expiring.find((hold) => hold.id === row.id)!.expiresAt;
      expect(row.releasedAt!.getTime() - expiresAt).toBeLessThanOrEqual((SWEEP_INTERVAL_SECONDS + 1) * 1000);
    }
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(48);
  });

  /** A pending order of `quantity` units, made through the API. */
  async function pendingOrder(productId: number, quantity: number): Promise<number> {
    const hold = await t.http.post('/api/holds').send({ product_id: productId, quantity }).expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    return order.body.data.id;
  }

  const availableStock = async (productId: number) =>
    (await t.http.get(`/api/products/${productId}`).expect(200)).body.data.available_stock;

  it('should apply signed payment webhooks and recognise a redelivery while Redis is down', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    // Cached before the outage: no read during it may answer this stale entry.
    expect(await availableStock(product.id)).toBe(10);
    await redis.stop();
    const paidOrder = await pendingOrder(product.id, 3);
    const failedOrder = await pendingOrder(product.id, 2);

    const paid = { event_id: `evt_redis_down_paid_${paidOrder}`, order_id: paidOrder, status: 'paid' };
    const applied = await timed(() => sendWebhook(t.http, paid));
    expect(applied.response.status).toBe(200);
    expect(applied.ms).toBeLessThan(NO_HANG_MS);
    expect(applied.response.body).toEqual({
      status: 'success',
      message: 'Payment processed',
      data: { order_id: paidOrder, status: 'completed' },
    });
    const redelivered = await timed(() => sendWebhook(t.http, paid));
    expect(redelivered.response.status).toBe(200);
    expect(redelivered.ms).toBeLessThan(NO_HANG_MS);
    expect(redelivered.response.body.message).toBe('Webhook already processed');

    // A failed payment gives its units back, and reads see them at once (the cache is unreachable).
    const failed = {
      event_id: `evt_redis_down_failed_${failedOrder}`,
      order_id: failedOrder,
      status: 'failed',
    };
    const cancelled = await sendWebhook(t.http, failed).expect(200);
    expect(cancelled.body.data).toEqual({ order_id: failedOrder, status: 'cancelled' });
    expect((await sendWebhook(t.http, failed).expect(200)).body.message).toBe('Webhook already processed');
    expect(await availableStock(product.id)).toBe(7);
    expect((await t.http.get(`/api/orders/${paidOrder}`).expect(200)).body.data.status).toBe('completed');
  });

  it('should queue and run expiry jobs again once Redis is back, without a restart', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    await redis.start();
    // The restarted Redis is empty; the app reconnects on its own.
    const reconnected = await pollUntil(
      () => (t.app.get<Redis>(QUEUE_REDIS).status === 'ready' ? true : undefined),
      Date.now() + 5_000,
    );
    expect(reconnected).toBe(true);

    const response = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 4 })
      .expect(201);
    const holdId: number = response.body.data.hold_id;
    const expiresAt = Date.parse(response.body.data.hold_expires_at);
    const jobId = jobIdOf(t, { id: holdId, expiresAt });
    expect(await expiryQueue(t).getJobState(jobId)).toBe('delayed');
    expect(await jobKeyExists(redis.port, `${expiryQueue(t).toKey(jobId)}`)).toBe(1);

    // The stock is back, on time.
    const stock = await pollUntil(async () => {
      const { availableStock } = await reloadProduct(t.dataSource, product.id);
      return availableStock === 10 ? availableStock : undefined;
    }, expiresAt + 1000);
    expect(stock).toBe(10);
    // The worker took the job (completed jobs are removed). It completes only after its release
    // has committed, invalidated the cache and published: on a busy machine, after the stock is
    // seen back. The bound only keeps a job that never completes from hanging the test.
    const gone = await pollUntil(
      async () => ((await expiryQueue(t).getJobState(jobId)) === 'unknown' ? true : undefined),
      Date.now() + 10_000,
    );
    expect(gone).toBe(true);
  });

  it('should keep holds, orders, webhooks and cached reads working once Redis is back, without a restart', async () => {
    await redis.start();
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    // The cache is used again: a read is answered from Redis.
    const hit = await pollUntil(async () => {
      const read = await t.http.get(`/api/products/${product.id}`).expect(200);
      return read.headers['x-cache'] === 'HIT' ? true : undefined;
    }, Date.now() + 10_000);
    expect(hit).toBe(true);

    const paidOrder = await pendingOrder(product.id, 4);
    const failedOrder = await pendingOrder(product.id, 1);
    expect(await availableStock(product.id)).toBe(5);
    const paid = { event_id: `evt_redis_back_paid_${paidOrder}`, order_id: paidOrder, status: 'paid' };
    expect((await sendWebhook(t.http, paid).expect(200)).body.message).toBe('Payment processed');
    expect((await sendWebhook(t.http, paid).expect(200)).body.message).toBe('Webhook already processed');
    const failed = {
      event_id: `evt_redis_back_failed_${failedOrder}`,
      order_id: failedOrder,
      status: 'failed',
    };
    expect((await sendWebhook(t.http, failed).expect(200)).body.data.status).toBe('cancelled');

    // The cancellation's invalidation reached Redis: no read answers the cached 5.
    expect(await availableStock(product.id)).toBe(6);
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(6);
    expect((await t.http.get(`/api/orders/${paidOrder}`).expect(200)).body.data.status).toBe('completed');
  });
});

/** Looks at the spare Redis directly: the job is stored under this suite's REDIS_PREFIX. */
async function jobKeyExists(port: number, key: string): Promise<number> {
  const client = new Redis({ host: '127.0.0.1', port });
  try {
    return await client.exists(key);
  } finally {
    client.disconnect();
  }
}

import type { Connection } from 'mysql2/promise';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { pollUntil } from '../utils/poll';
import { SseClient } from '../utils/sse-client';
import { createTestApp, TestApp } from '../utils/test-app';
import { TcpProxy } from '../utils/tcp-proxy';
import { TEST_DB, withServerConnection } from '../utils/test-env';
import { sendWebhook } from '../utils/webhook';

describe('Database outage (e2e)', () => {
  let t: TestApp;
  const proxy = new TcpProxy(TEST_DB.host, TEST_DB.port);
  let productId: number;

  beforeAll(async () => {
    const port = await proxy.start();
    t = await createTestApp({ DB_PORT: String(port) });
    productId = (await createProduct(t.dataSource)).id;
  });

  afterAll(async () => {
    await proxy.start(proxy.port);
    await t.close();
    await proxy.stop();
  });

  it('should answer 503 quickly with Retry-After and no internals while the database is unreachable, then recover', async () => {
    await proxy.stop();

    for (const request of [
      t.http.get(`/api/products/${productId}`),
      t.http.post('/api/holds').send({ product_id: productId, quantity: 1 }),
      t.http.get('/api/orders'),
    ]) {
      const started = Date.now();
      expectServiceUnavailable(await request, Date.now() - started);
    }

    await proxy.start(proxy.port);
    await expect(waitForStatus(() => t.http.get(`/api/products/${productId}`), 200)).resolves.toBe(200);
    await t.http.post('/api/holds').send({ product_id: productId, quantity: 1 }).expect(201);
  });

  it('should tell an EventSource opening a stream while the database is away to retry, and stream once it is back', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 9, availableStock: 9 });
    const url = `${t.url}/api/products/stream?ids=${product.id}`;
    await proxy.stop();

    // A 5xx would make EventSource give up for good: a 200 event stream says when to come back.
    const refused = new SseClient(url);
    await refused.closed;
    expect(refused.status).toBe(200);
    expect(refused.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(refused.retry).toBeGreaterThanOrEqual(2_000);
    expect(refused.retry).toBeLessThanOrEqual(5_000);
    expect(refused.events).toEqual([
      expect.objectContaining({ event: 'busy', data: { code: 'SERVICE_BUSY' } }),
    ]);
    // A client that does not take an event stream gets the JSON 503, as on any route.
    const plain = new SseClient(`${t.url}/api/products/${product.id}/stream`, { accept: 'application/json' });
    await plain.closed;
    expect(plain.status).toBe(503);
    expect(plain.headers['retry-after']).toBeDefined();
    expect(JSON.parse(plain.body)).toMatchObject({ status: 'error', code: 'SERVICE_UNAVAILABLE' });

    await proxy.start(proxy.port);
    await expect(waitForStatus(() => t.http.get(`/api/products/${product.id}`), 200)).resolves.toBe(200);
    const again = new SseClient(url);
    try {
      await again.waitFor((c) => c.last !== undefined, 10_000, 'the first event');
      expect(again.last?.data).toMatchObject({ id: product.id, available_stock: 9 });
    } finally {
      again.close();
    }
  });

  it('should answer 503 quickly when connections drop mid-query, and recover by itself once the database restarts', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 20, availableStock: 20 });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    const orderId: number = order.body.data.id;
    const failedPayment = { event_id: `evt_db_restart_${orderId}`, order_id: orderId, status: 'failed' };

    const answers = await withServerConnection(async (blocker) => {
      // The test's own transaction, straight to MariaDB (not through the proxy), holds the
      // product row: the requests below are waiting inside the database when it goes away.
      await blocker.query(`USE ${blocker.escapeId(t.databaseName)}`);
      await blocker.beginTransaction();
      await blocker.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [product.id]);
      const inFlight = [
        t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }),
        sendWebhook(t.http, failedPayment),
      ].map(async (request) => {
        const response = await request;
        return { response, answeredAt: Date.now() };
      });
      // Slower than 100 ms: InnoDB refreshes what INNODB_TRX shows only when it was not read for that long.
      expect(await pollUntil(() => lockWaits(blocker, t.databaseName, 2), Date.now() + 10_000, 250)).toBe(
        true,
      );

      // The server restarts: every pooled connection drops, in the middle of those queries.
      const droppedAt = Date.now();
      await proxy.stop();
      const settled = await Promise.all(inFlight);
      await blocker.rollback();
      return settled.map(({ response, answeredAt }) => ({ response, ms: answeredAt - droppedAt }));
    });

    for (const { response, ms } of answers) expectServiceUnavailable(response, ms);

    await proxy.start(proxy.port);
    await expect(waitForStatus(() => t.http.get(`/api/products/${product.id}`), 200)).resolves.toBe(200);
    // Nothing the dropped requests started was committed: the order is still pending, the
    // event was not recorded, and the provider's retry is applied now.
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(18);
    const retried = await sendWebhook(t.http, failedPayment).expect(200);
    expect(retried.body).toMatchObject({ message: 'Payment processed', data: { status: 'cancelled' } });
    await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
    expect((await t.http.get(`/api/products/${product.id}`).expect(200)).body.data.available_stock).toBe(19);
  });
});

/** True once `count` transactions of this suite's database wait for a row lock. */
async function lockWaits(connection: Connection, database: string, count: number): Promise<true | undefined> {
  const [rows] = await connection.query(
    `SELECT COUNT(*) AS waiting FROM information_schema.INNODB_TRX trx
       JOIN information_schema.PROCESSLIST process ON process.ID = trx.trx_mysql_thread_id
      WHERE trx.trx_state = 'LOCK WAIT' AND process.DB = ?`,
    [database],
  );
  return Number((rows as Array<{ waiting: number }>)[0].waiting) >= count ? true : undefined;
}

async function waitForStatus(
  send: () => PromiseLike<{ status: number }>,
  expected: number,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await send()).status;
    if (status === expected) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

/** A quick, clean 503: Retry-After, the envelope, no internals, well before any client timeout. */
function expectServiceUnavailable(
  response: { status: number; headers: Record<string, string>; body: unknown },
  ms: number,
) {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  expect(response.body).toEqual({
    status: 'error',
    code: 'SERVICE_UNAVAILABLE',
    message: 'The database is unavailable; retry shortly',
  });
  expect(ms).toBeLessThan(10_000);
}

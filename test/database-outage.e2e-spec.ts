import { createProduct } from './factories/product.factory';
import { createTestApp, TestApp } from './utils/test-app';
import { TcpProxy } from './utils/tcp-proxy';
import { TEST_DB } from './utils/test-env';

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
      const response = await request;
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.body).toEqual({
        status: 'error',
        code: 'SERVICE_UNAVAILABLE',
        message: 'The database is unavailable; retry shortly',
      });
      expect(Date.now() - started).toBeLessThan(10_000);
    }

    await proxy.start(proxy.port);
    await expect(waitForStatus(() => t.http.get(`/api/products/${productId}`), 200)).resolves.toBe(200);
    await t.http.post('/api/holds').send({ product_id: productId, quantity: 1 }).expect(201);
  });
});

async function waitForStatus(send: () => PromiseLike<{ status: number }>, expected: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await send()).status;
    if (status === expected) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const LIMIT = 5;

/**
 * Rate limits per client IP and route, the trusted-proxy setting, and helmet's headers. Each
 * test starts an app of its own: the limits are counted in the app's memory, so a test never
 * inherits (or leaves) a used-up budget, whatever runs before it or alone.
 */
describe('Abuse limits and security headers (e2e)', () => {
  describe('with RATE_LIMIT_PER_MINUTE and no trusted proxy', () => {
    let t: TestApp;

    beforeEach(async () => {
      t = await createTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'false' });
    });

    afterEach(async () => {
      await t.close();
    });

    it('should answer 429 with Retry-After and the envelope past the limit, changing nothing', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
      const hold = () => t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 });
      for (let i = 0; i < LIMIT; i++) {
        const response = await hold().expect(201);
        expect(response.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i - 1));
      }

      const limited = await hold().expect(429);

      expect(limited.body).toEqual({
        status: 'error',
        code: 'TOO_MANY_REQUESTS',
        message: 'Too many requests; retry after the number of seconds in Retry-After',
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100 - LIMIT);
      // A forged X-Forwarded-For is not believed without a trusted proxy.
      await hold().set('X-Forwarded-For', '203.0.113.7').expect(429);
    });

    it('should count each route apart and leave reads and the webhook alone', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
      // The holds route's budget is used up; orders have a budget of their own.
      for (let i = 0; i < LIMIT; i++) {
        await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
      }
      await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(429);
      const orders = await Promise.all(
        Array.from({ length: LIMIT + 1 }, () => t.http.post('/api/orders').send({ hold_id: 999_999 })),
      );
      expect(orders.map((response) => response.status).sort()).toEqual([...Array(LIMIT).fill(404), 429]);

      for (let i = 0; i < LIMIT * 2; i++) {
        await t.http.get(`/api/products/${product.id}`).expect(200);
        // Payment providers redeliver in bursts from a few addresses; signatures guard this route.
        await sendWebhook(t.http, { event_id: `evt_${i}`, order_id: 999_999, status: 'paid' }).expect(404);
      }
      // A parallel burst from the same address as the refused holds: not counted at all.
      const deliveries = await Promise.all(
        Array.from({ length: LIMIT * 4 }, (_, i) =>
          sendWebhook(t.http, { event_id: `evt_burst_${i}`, order_id: 999_999, status: 'paid' }),
        ),
      );
      expect(new Set(deliveries.map((response) => response.status))).toEqual(new Set([404]));
      expect(deliveries.every((response) => response.headers['x-ratelimit-limit'] === undefined)).toBe(true);
      await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(429);
    });

    it('should limit joining a waiting room per client like the other POSTs', async () => {
      // A product without a queue: each join is refused 409 within the budget, then 429.
      const product = await createProduct(t.dataSource, { totalStock: 5, availableStock: 5 });
      const joins = await Promise.all(
        Array.from({ length: LIMIT + 1 }, (_, i) =>
          t.http.post(`/api/products/${product.id}/queue`).send({ customer_id: `bot-${i}` }),
        ),
      );
      expect(joins.map((response) => response.status).sort()).toEqual([...Array(LIMIT).fill(409), 429]);
    });

    it('should limit proof-of-work challenges per client (each costs a signature)', async () => {
      // A product without a queue: each challenge is refused 409 within the budget, then 429.
      const product = await createProduct(t.dataSource, { totalStock: 5, availableStock: 5 });
      const challenges = await Promise.all(
        Array.from({ length: LIMIT + 1 }, () => t.http.get(`/api/products/${product.id}/queue/challenge`)),
      );
      expect(challenges.map((response) => response.status).sort()).toEqual([...Array(LIMIT).fill(409), 429]);
    });

    it('should send helmet security headers on answers and refusals', async () => {
      for (const response of [await t.http.get('/api/products'), await t.http.get('/api/nope')]) {
        expect(response.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'SAMEORIGIN',
          'strict-transport-security': expect.stringContaining('max-age='),
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
        });
        expect(response.headers['content-security-policy']).toContain("default-src 'self'");
        expect(response.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('should keep Swagger UI working under the Content-Security-Policy', async () => {
      const page = await t.http.get('/api/docs').expect(200);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toMatch(/style-src [^;]*'unsafe-inline'/);
      expect(csp).toMatch(/img-src [^;]*data:/);
      expect(csp).not.toContain('upgrade-insecure-requests');

      // Every script is a file of ours (script-src 'self' forbids inline ones), and each loads.
      const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(body.trim()).toBe('');
        const src = /src="\.\/([^"]+)"/.exec(attributes)?.[1];
        expect(src).toBeDefined();
        await t.http.get(`/api/${src}`).expect(200);
      }
      await t.http.get('/api/docs-json').expect(200);
    });
  });

  describe('behind a trusted proxy', () => {
    let t: TestApp;

    beforeEach(async () => {
      t = await createTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' });
    });

    afterEach(async () => {
      await t.close();
    });

    it("should limit each client by the proxy's X-Forwarded-For", async () => {
      const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
      const holdFrom = (client: string) =>
        t.http
          .post('/api/holds')
          .set('X-Forwarded-For', client)
          .send({ product_id: product.id, quantity: 1 });

      for (let i = 0; i < LIMIT; i++) await holdFrom('198.51.100.1').expect(201);
      await holdFrom('198.51.100.1').expect(429);

      await holdFrom('198.51.100.2').expect(201);
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100 - LIMIT - 1);
    });
  });
});

import { sqlDateTime } from '../../src/database/raw-sql';
import { UnpaidOrdersService } from '../../src/orders/unpaid-orders.service';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { MAX_PRODUCTS_IN_METRICS } from '../../src/metrics/stock-gauges';
import { ProductsRepository } from '../../src/products/products.repository';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import { paymentIntentEvent } from '../factories/stripe-event.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

/** GET /metrics: business counters, request durations per route template, stock per product. */
describe('GET /metrics (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function scrape(): Promise<string> {
    const response = await t.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return response.text;
  }

  it('should count holds created and refused by reason, orders, releases by source and payments by outcome', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const before = await scrape();

    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 4 }).expect(201);
    await t.http.post('/api/holds').send({ product_id: product.id, quantity: 7 }).expect(409);
    await t.http.post('/api/holds').send({ product_id: 999_999, quantity: 1 }).expect(404);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    const orderId = order.body.data.id as number;
    await sendWebhook(t.http, { event_id: 'evt_metrics_1', order_id: orderId, status: 'paid' }).expect(200);
    await sendWebhook(t.http, { event_id: 'evt_metrics_1', order_id: orderId, status: 'paid' }).expect(200);
    await sendWebhook(t.http, { event_id: 'evt_metrics_2', order_id: orderId, status: 'failed' }).expect(200);
    await sendWebhook(t.http, { event_id: 'evt_metrics_3', order_id: 999_999, status: 'paid' }).expect(404);
    // A declined card: counted on its own, the (completed) order untouched.
    await sendWebhook(t.http, paymentIntentEvent('payment_intent.payment_failed', { orderId })).expect(200);
    await t.http
      .post('/api/payments/webhook')
      .send({ event_id: 'evt_unsigned', order_id: orderId, status: 'paid' })
      .expect(401);
    const expired = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 1,
      holdExpiresAt: new Date(Date.now() - 1_000),
    });
    await t.app.get(HoldReleasesService).release([expired.id], 'job');
    const swept = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 1,
      holdExpiresAt: new Date(Date.now() - 1_000),
    });
    await t.app.get(HoldReleasesService).release([swept.id], 'sweeper');

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('flash_sale_holds_created_total')).toBe(1);
    expect(delta('flash_sale_holds_refused_total', { reason: 'insufficient_stock' })).toBe(1);
    expect(delta('flash_sale_holds_refused_total', { reason: 'product_not_found' })).toBe(1);
    expect(delta('flash_sale_orders_created_total')).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'processed' })).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'duplicate' })).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'ignored' })).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'attempt_failed' })).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'rejected' })).toBe(2);
    expect(delta('flash_sale_holds_released_total', { source: 'job' })).toBe(1);
    expect(delta('flash_sale_holds_released_total', { source: 'sweeper' })).toBe(1);
    expect(after).toMatch(/# TYPE flash_sale_holds_released_total counter/);
  });

  it('should time requests per route template, never per raw URL', async () => {
    const product = await createProduct(t.dataSource);
    await t.http.get(`/api/products/${product.id}`).expect(200);
    await t.http.get(`/api/products/${product.id + 1_000}`).expect(404);
    await t.http.get('/api/no-such-route/42').expect(404);

    const text = await scrape();

    const route = { method: 'GET', route: '/api/products/:id' };
    expect(
      value(text, 'http_request_duration_seconds_count', { ...route, status_code: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(text, 'http_request_duration_seconds_count', { ...route, status_code: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(text, 'http_request_duration_seconds_bucket', { ...route, status_code: '200', le: '+Inf' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(`route="/api/products/${product.id}"`);
    expect(text).not.toContain('no-such-route');
  });

  it('should report available and total stock per product, read from the database at scrape time', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 30, availableStock: 30 });
    await t.http.post('/api/holds').send({ product_id: product.id, quantity: 12 }).expect(201);

    const query = jest.spyOn(ProductsRepository.prototype, 'findStockLevels');
    const text = await scrape();

    expect(value(text, 'flash_sale_product_available_stock', { product_id: String(product.id) })).toBe(18);
    expect(value(text, 'flash_sale_product_total_stock', { product_id: String(product.id) })).toBe(30);
    // Both gauges come from one bounded query per scrape.
    expect(query).toHaveBeenCalledTimes(1);
    expect(query).toHaveBeenCalledWith(expect.anything(), MAX_PRODUCTS_IN_METRICS);
    query.mockRestore();
  });

  it('should include the Node.js process metrics', async () => {
    expect(await scrape()).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it('should count cancelled orders by reason and payments for cancelled orders', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const orderOf = async (quantity: number) => {
      const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity }).expect(201);
      const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
      return order.body.data.id as number;
    };
    const failed = await orderOf(2);
    const unpaid = await orderOf(3);
    const before = await scrape();

    await sendWebhook(t.http, { event_id: 'evt_metrics_fail', order_id: failed, status: 'failed' }).expect(
      200,
    );
    // Older than the default 30-minute payment timeout.
    await t.dataSource.query('UPDATE orders SET created_at = ? WHERE id = ?', [
      sqlDateTime(new Date(Date.now() - 3_600_000)),
      unpaid,
    ]);
    await t.app.get(UnpaidOrdersService).cancelOverdue(product.id, [unpaid]);
    await sendWebhook(t.http, { event_id: 'evt_metrics_late', order_id: unpaid, status: 'paid' }).expect(200);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('flash_sale_orders_cancelled_total', { reason: 'payment_failed' })).toBe(1);
    expect(delta('flash_sale_orders_cancelled_total', { reason: 'payment_timeout' })).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'paid_after_cancellation' })).toBe(1);
    expect(delta('flash_sale_payments_total', { outcome: 'processed' })).toBe(1);
  });
});

describe('GET /metrics with METRICS_TOKEN (e2e)', () => {
  const TOKEN = 'prometheus-scrape-token-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should refuse a scrape without the bearer token with 401 and the envelope', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
      const request = t.http.get('/metrics');
      if (authorization !== undefined) request.set('Authorization', authorization);
      const refused = await request.expect(401);
      expect({ authorization, body: refused.body }).toEqual({
        authorization,
        body: {
          status: 'error',
          code: 'UNAUTHORIZED',
          message: 'A valid metrics token is required: Authorization: Bearer <METRICS_TOKEN>',
        },
      });
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(refused.text).not.toContain('flash_sale_');
    }
  });

  it('should serve the metrics to the bearer of the token, as Prometheus sends it', async () => {
    const scraped = await t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    expect(scraped.text).toContain('flash_sale_');
    // The rest of the API is not behind it.
    await t.http.get('/api/products').expect(200);
  });
});

/** The value of one series in Prometheus' text format (0 when absent): labels must match exactly. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const same =
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => found[k] === v);
    if (same) return Number(match[3]);
  }
  return 0;
}

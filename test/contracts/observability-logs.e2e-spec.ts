import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import { LogCapture, LogLine } from '../utils/log-capture';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook, signatureFor } from '../utils/webhook';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SEVERE = new Set(['error', 'fatal']);

/** The JSON lines the app writes to stdout, read back through the LOG_DESTINATION token. */
describe('Structured logs (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      { LOG_LEVEL: 'info' },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  const accessLine = (reqId: string) =>
    logs.waitFor((line) => line.reqId === reqId && line.msg === 'request completed');
  const eventFor = (event: string, reqId: string) =>
    logs.waitFor((line) => line.event === event && line.reqId === reqId);

  it('should log hold -> order -> payment as named JSON events with ids, quantities and the request id', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10, price: '10.00' });

    const hold = await t.http
      .post('/api/holds')
      .set('X-Request-Id', 'req-hold-1')
      .send({ product_id: product.id, quantity: 3 })
      .expect(201);
    expect(hold.headers['x-request-id']).toBe('req-hold-1');
    const holdId = hold.body.data.hold_id as number;
    const order = await t.http
      .post('/api/orders')
      .set('X-Request-Id', 'req-order-1')
      .send({ hold_id: holdId })
      .expect(201);
    const orderId = order.body.data.id as number;
    const payload = JSON.stringify({ event_id: 'evt_logs_1', order_id: orderId, status: 'paid' });
    for (const reqId of ['req-pay-1', 'req-pay-2']) {
      await t.http
        .post('/api/payments/webhook')
        .set('X-Request-Id', reqId)
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', signatureFor(payload))
        .send(payload)
        .expect(200);
    }

    expect(await eventFor('hold.created', 'req-hold-1')).toMatchObject({
      level: 'info',
      context: 'HoldsService',
      hold_id: holdId,
      product_id: product.id,
      quantity: 3,
    });
    expect(await eventFor('hold.expiry_scheduled', 'req-hold-1')).toMatchObject({ hold_id: holdId });
    expect(await eventFor('order.created', 'req-order-1')).toMatchObject({
      level: 'info',
      order_id: orderId,
      hold_id: holdId,
      product_id: product.id,
      quantity: 3,
      amount: '30.00',
    });
    expect(await eventFor('payment.processed', 'req-pay-1')).toMatchObject({
      event_id: 'evt_logs_1',
      order_id: orderId,
      product_id: product.id,
      quantity: 3,
      order_status: 'completed',
    });
    expect(await eventFor('payment.duplicate', 'req-pay-2')).toMatchObject({
      event_id: 'evt_logs_1',
      order_id: orderId,
    });

    // One access line per request: method, path, status and duration, never the body.
    const access = await accessLine('req-hold-1');
    expect(access).toMatchObject({
      level: 'info',
      req: { method: 'POST', url: '/api/holds' },
      res: { status_code: 201 },
    });
    expect(typeof access.responseTime).toBe('number');
    expect(Object.keys(access.req as object).sort()).toEqual(['method', 'url']);
    expect(typeof access.time).toBe('string');
  });

  it('should generate a request id when none or an unusable one is sent, and echo it', async () => {
    const product = await createProduct(t.dataSource);

    for (const sent of [undefined, 'has spaces and "quotes"', 'x'.repeat(129)]) {
      const request = t.http.get(`/api/products/${product.id}`);
      const response = await (sent === undefined ? request : request.set('X-Request-Id', sent)).expect(200);
      const id = response.headers['x-request-id'] as string;
      expect(id).toMatch(UUID);
      expect(await accessLine(id)).toMatchObject({
        req: { method: 'GET', url: `/api/products/${product.id}` },
      });
    }
  });

  it('should log an insufficient-stock refusal at info, never at error', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 2, availableStock: 2 });

    await t.http
      .post('/api/holds')
      .set('X-Request-Id', 'req-refused-1')
      .send({ product_id: product.id, quantity: 5 })
      .expect(409);

    expect(await eventFor('request.refused', 'req-refused-1')).toMatchObject({
      level: 'info',
      code: 'INSUFFICIENT_STOCK',
      status: 409,
    });
    expect(await accessLine('req-refused-1')).toMatchObject({ level: 'info', res: { status_code: 409 } });
    expect(logs.lines.filter((line) => line.reqId === 'req-refused-1' && SEVERE.has(line.level))).toEqual([]);
  });

  it('should log payment.rejected with its reason for a bad signature and for an unknown order', async () => {
    await t.http
      .post('/api/payments/webhook')
      .set('X-Request-Id', 'req-unsigned')
      .send({ event_id: 'evt_unsigned', order_id: 1, status: 'paid' })
      .expect(401);
    await sendWebhook(t.http, { event_id: 'evt_nobody', order_id: 999_999, status: 'paid' })
      .set('X-Request-Id', 'req-unknown-order')
      .expect(404);

    expect(await eventFor('payment.rejected', 'req-unsigned')).toMatchObject({
      level: 'warn',
      reason: 'INVALID_SIGNATURE',
    });
    expect(await eventFor('payment.rejected', 'req-unknown-order')).toMatchObject({
      level: 'warn',
      reason: 'ORDER_NOT_FOUND',
      event_id: 'evt_nobody',
      order_id: 999_999,
    });
  });

  it('should log hold.released with the hold, product, quantity and source', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 4,
      holdExpiresAt: new Date(Date.now() - 1_000),
    });

    await t.app.get(HoldReleasesService).release([hold.id], 'job');

    const released = await logs.waitFor(
      (line: LogLine) => line.event === 'hold.released' && line.hold_id === hold.id,
    );
    expect(released).toMatchObject({ level: 'info', product_id: product.id, quantity: 4, source: 'job' });
  });

  it('should write nothing at error level during these flows', () => {
    expect(logs.lines.filter((line) => SEVERE.has(line.level))).toEqual([]);
  });
});

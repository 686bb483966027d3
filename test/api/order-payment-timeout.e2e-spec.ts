import { toCents } from '../../src/common/money';
import { sqlDateTime } from '../../src/database/raw-sql';
import { auditStock } from '../../src/database/stock-audit';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { Order } from '../../src/orders/order.entity';
import { UnpaidOrdersService } from '../../src/orders/unpaid-orders.service';
import { PaymentEvent } from '../../src/payments/payment-event.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { paymentIntentEvent } from '../factories/stripe-event.factory';
import { LogCapture } from '../utils/log-capture';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

/**
 * ORDER_PAYMENT_TIMEOUT_SECONDS: a pending order no payment settled in time is cancelled by
 * the sweeper with its units back once, and a payment that still arrives for a cancelled order
 * is acknowledged, recorded and reported at warn for an operator.
 */
let eventSeq = 0;
const eventId = () => `evt_timeout_${Date.now()}_${++eventSeq}`;

async function pendingOrder(t: TestApp, productId: number, quantity: number) {
  const hold = await t.http.post('/api/holds').send({ product_id: productId, quantity }).expect(201);
  const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
  return order.body.data as { id: number; amount: string };
}

/** Makes an order as old as the timeout needs, rather than waiting for it. */
async function backdate(t: TestApp, orderId: number, ageMs: number): Promise<void> {
  await t.dataSource.query('UPDATE orders SET created_at = ? WHERE id = ?', [
    sqlDateTime(new Date(Date.now() - ageMs)),
    orderId,
  ]);
}

async function auditOf(t: TestApp, productId: number) {
  return (await auditStock(t.dataSource)).find((row) => row.productId === productId);
}

describe('Unpaid orders expire (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;
  const sweep = () => t.app.get(ExpiredHoldsSweeper).run();

  beforeAll(async () => {
    // No periodic sweep: each test runs its own, so what a sweep did is known exactly.
    t = await createTestApp(
      {
        LOG_LEVEL: 'info',
        ORDER_PAYMENT_TIMEOUT_SECONDS: '60',
        HOLD_SWEEP_INTERVAL_SECONDS: '3600',
        PAYMENT_CURRENCY: 'usd',
        PAYMENT_LIVEMODE: 'false',
      },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  /** An order of `quantity` units cancelled by the payment timeout, on a product of 10. */
  async function timedOutOrder(quantity = 4) {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10, price: '12.50' });
    const order = await pendingOrder(t, product.id, quantity);
    await backdate(t, order.id, 61_000);
    await sweep();
    const cancelled = await t.http.get(`/api/orders/${order.id}`).expect(200);
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', cancel_reason: 'payment_timeout' });
    return { productId: product.id, order };
  }

  it('should cancel an order older than the timeout with its units back once, however many sweeps race', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const overdue = await pendingOrder(t, product.id, 4);
    const fresh = await pendingOrder(t, product.id, 3);
    await backdate(t, overdue.id, 61_000);
    await backdate(t, fresh.id, 50_000);
    const unpaid = t.app.get(UnpaidOrdersService);
    // Cached before the sweep: the cancellation must invalidate it.
    expect((await t.http.get(`/api/products/${product.id}`).expect(200)).body.data.available_stock).toBe(3);

    // The sweeper and two direct cancellations of the same order at once, then a second sweep.
    await Promise.all([
      sweep(),
      unpaid.cancelOverdue(product.id, [overdue.id, fresh.id]),
      unpaid.cancelOverdue(product.id, [overdue.id, fresh.id]),
    ]);
    await sweep();

    const cancelled = await t.http.get(`/api/orders/${overdue.id}`).expect(200);
    expect(cancelled.body.data).toMatchObject({
      id: overdue.id,
      status: 'cancelled',
      cancel_reason: 'payment_timeout',
      payment_idempotency_key: null,
    });
    const stillPending = await t.http.get(`/api/orders/${fresh.id}`).expect(200);
    expect(stillPending.body.data).toMatchObject({ status: 'pending', cancel_reason: null });
    const listed = await t.http.get('/api/orders').expect(200);
    expect(listed.body.data.find((order: { id: number }) => order.id === overdue.id)).toMatchObject({
      cancel_reason: 'payment_timeout',
    });
    // 4 units back, exactly once; the fresh order keeps its 3.
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(7);
    expect(await auditOf(t, product.id)).toMatchObject({ unitsInLiveOrders: 3, difference: 0 });
    const logged = await logs.waitFor(
      (line) => line.event === 'order.payment_timeout' && line.order_id === overdue.id,
    );
    expect(logged).toMatchObject({ level: 'info', product_id: product.id, quantity: 4 });
    expect(logs.events('order.payment_timeout').filter((line) => line.order_id === overdue.id)).toHaveLength(
      1,
    );
    expect(logs.events('order.payment_timeout').some((line) => line.order_id === fresh.id)).toBe(false);
    // The cache was invalidated after commit: a read answers the units that came back.
    const read = await t.http.get(`/api/products/${product.id}`).expect(200);
    expect(read.body.data.available_stock).toBe(7);
  });

  it('should leave an order a payment settled first alone, whatever its age', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const order = await pendingOrder(t, product.id, 2);
    await sendWebhook(t.http, { event_id: eventId(), order_id: order.id, status: 'paid' }).expect(200);
    await backdate(t, order.id, 3_600_000);

    await sweep();

    const read = await t.http.get(`/api/orders/${order.id}`).expect(200);
    expect(read.body.data).toMatchObject({ status: 'completed', cancel_reason: null });
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(8);
  });

  it('should acknowledge a late "paid" for a timed-out order, record it and warn the operator, once', async () => {
    const { productId, order } = await timedOutOrder(4);
    const body = { event_id: eventId(), order_id: order.id, status: 'paid' };

    const response = await sendWebhook(t.http, body).expect(200);
    const again = await sendWebhook(t.http, body).expect(200);

    expect(response.body).toEqual({
      status: 'success',
      message: expect.stringMatching(/already cancelled \(payment_timeout\).*refund/),
      data: { order_id: order.id, status: 'cancelled' },
    });
    expect(again.body.message).toBe('Webhook already processed');
    expect(await t.dataSource.getRepository(PaymentEvent).findBy({ eventId: body.event_id })).toEqual([
      expect.objectContaining({
        orderId: order.id,
        status: 'paid',
        outcome: 'ignored',
        reason: 'paid_after_cancellation',
      }),
    ]);
    const warned = await logs.waitFor(
      (line) => line.event === 'payment.paid_after_cancellation' && line.event_id === body.event_id,
    );
    expect(warned).toMatchObject({
      level: 'warn',
      order_id: order.id,
      cancel_reason: 'payment_timeout',
      amount: '50.00',
      message: expect.stringMatching(/refund .*restore/),
    });
    expect(
      logs.events('payment.paid_after_cancellation').filter((line) => line.event_id === body.event_id),
    ).toHaveLength(1);
    // Nothing moved: the order stays cancelled and its units stay on sale.
    expect((await t.dataSource.getRepository(Order).findOneByOrFail({ id: order.id })).status).toBe(
      'cancelled',
    );
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(10);
  });

  it('should treat a Stripe payment_intent.succeeded for a timed-out order the same, with what was charged', async () => {
    const { productId, order } = await timedOutOrder(2);
    const event = paymentIntentEvent('payment_intent.succeeded', {
      orderId: order.id,
      amount: toCents(order.amount),
    });

    const response = await sendWebhook(t.http, event).expect(200);

    expect(response.body.data).toEqual({ order_id: order.id, status: 'cancelled' });
    const warned = await logs.waitFor(
      (line) => line.event === 'payment.paid_after_cancellation' && line.event_id === event.id,
    );
    expect(warned).toMatchObject({
      level: 'warn',
      order_id: order.id,
      event_type: 'payment_intent.succeeded',
      cancel_reason: 'payment_timeout',
      amount: '25.00',
      charged_amount: 2500,
      charged_currency: 'usd',
    });
    expect(
      await t.dataSource.getRepository(PaymentEvent).findOneByOrFail({ eventId: event.id }),
    ).toMatchObject({
      reason: 'paid_after_cancellation',
      amount: 2500,
    });
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(10);
  });

  it('should stamp payment_failed on a failed payment and warn about a "paid" that comes after it', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const order = await pendingOrder(t, product.id, 5);
    await sendWebhook(t.http, { event_id: eventId(), order_id: order.id, status: 'failed' }).expect(200);
    const failed = await t.http.get(`/api/orders/${order.id}`).expect(200);
    expect(failed.body.data).toMatchObject({ status: 'cancelled', cancel_reason: 'payment_failed' });
    const late = { event_id: eventId(), order_id: order.id, status: 'paid' };

    const response = await sendWebhook(t.http, late).expect(200);

    expect(response.body.data).toEqual({ order_id: order.id, status: 'cancelled' });
    const warned = await logs.waitFor(
      (line) => line.event === 'payment.paid_after_cancellation' && line.event_id === late.event_id,
    );
    expect(warned).toMatchObject({ level: 'warn', order_id: order.id, cancel_reason: 'payment_failed' });
    expect(
      logs.lines.some((line) => line.event === 'payment.ignored' && line.event_id === late.event_id),
    ).toBe(false);
    // The failure gave the 5 units back once; neither the late payment nor a sweep moves them.
    await sweep();
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(10);
    expect(await auditOf(t, product.id)).toMatchObject({ unitsInLiveOrders: 0, difference: 0 });
  });
});

describe('Unpaid orders with ORDER_PAYMENT_TIMEOUT_SECONDS=0 (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ORDER_PAYMENT_TIMEOUT_SECONDS: '0', HOLD_SWEEP_INTERVAL_SECONDS: '3600' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should never cancel an unpaid order', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const order = await pendingOrder(t, product.id, 4);
    await backdate(t, order.id, 30 * 86_400_000);

    await t.app.get(ExpiredHoldsSweeper).run();
    await t.app.get(UnpaidOrdersService).cancelOverdue(product.id, [order.id]);

    const read = await t.http.get(`/api/orders/${order.id}`).expect(200);
    expect(read.body.data).toMatchObject({ status: 'pending', cancel_reason: null });
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(6);
  });
});

describe('Unpaid orders cancelled by the periodic sweeper (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ORDER_PAYMENT_TIMEOUT_SECONDS: '1', HOLD_SWEEP_INTERVAL_SECONDS: '1' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should cancel an order left unpaid past a 1 s timeout within the next sweeps, units back', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const order = await pendingOrder(t, product.id, 6);

    // Timeout 1 s + sweep period 1 s: cancelled about 2 s after creation; 10 s is the bound.
    const cancelled = await pollUntil(async () => {
      const read = await t.http.get(`/api/orders/${order.id}`).expect(200);
      return read.body.data.status === 'pending' ? undefined : read.body.data;
    }, Date.now() + 10_000);

    expect(cancelled).toMatchObject({ status: 'cancelled', cancel_reason: 'payment_timeout' });
    const read = await t.http.get(`/api/products/${product.id}`).expect(200);
    expect(read.body.data.available_stock).toBe(10);
  });
});

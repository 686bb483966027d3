import { Order } from '../../src/orders/order.entity';
import { PaymentEvent } from '../../src/payments/payment-event.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

describe('Payment webhook (e2e)', () => {
  let t: TestApp;
  let eventSeq = 0;
  const eventId = () => `evt_${Date.now()}_${++eventSeq}`;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function pendingOrder(quantity = 4) {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity }).expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    return { productId: product.id, orderId: order.body.data.id as number };
  }

  it('should complete the order on "paid" and record the event', async () => {
    const { orderId, productId } = await pendingOrder();
    const id = eventId();

    const response = await sendWebhook(t.http, { event_id: id, order_id: orderId, status: 'paid' }).expect(
      200,
    );

    expect(response.body).toEqual({
      status: 'success',
      message: 'Payment processed',
      data: { order_id: orderId, status: 'completed' },
    });
    const order = await t.http.get(`/api/orders/${orderId}`).expect(200);
    expect(order.body.data).toMatchObject({ status: 'completed', payment_idempotency_key: id });
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(6);
    expect(await t.dataSource.getRepository(PaymentEvent).findOneByOrFail({ eventId: id })).toMatchObject({
      orderId,
      status: 'paid',
      outcome: 'applied',
      payloadHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('should answer a redelivered event with "Webhook already processed" and change nothing', async () => {
    const { orderId } = await pendingOrder();
    const body = { event_id: eventId(), order_id: orderId, status: 'paid' };
    await sendWebhook(t.http, body).expect(200);

    const response = await sendWebhook(t.http, body).expect(200);

    expect(response.body).toEqual({
      status: 'success',
      message: 'Webhook already processed',
      data: { order_id: orderId, status: 'completed' },
    });
    expect(await t.dataSource.getRepository(PaymentEvent).countBy({ eventId: body.event_id })).toBe(1);
  });

  it('should cancel the order on "failed" and return its stock exactly once', async () => {
    const { orderId, productId } = await pendingOrder(4);
    const body = { event_id: eventId(), order_id: orderId, status: 'failed' };

    const response = await sendWebhook(t.http, body).expect(200);
    await sendWebhook(t.http, body).expect(200);

    expect(response.body.data).toEqual({ order_id: orderId, status: 'cancelled' });
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(10);
  });

  it('should acknowledge with 200 and record an event for an already settled order, without changing it', async () => {
    const { orderId, productId } = await pendingOrder(4);
    await sendWebhook(t.http, { event_id: eventId(), order_id: orderId, status: 'paid' }).expect(200);
    const late = { event_id: eventId(), order_id: orderId, status: 'failed' };

    const response = await sendWebhook(t.http, late).expect(200);

    expect(response.body.message).toMatch(/ignored/i);
    expect(response.body.data).toEqual({ order_id: orderId, status: 'completed' });
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(6);
    expect(
      await t.dataSource.getRepository(PaymentEvent).findOneByOrFail({ eventId: late.event_id }),
    ).toMatchObject({
      outcome: 'ignored',
    });
    const again = await sendWebhook(t.http, late).expect(200);
    expect(again.body.message).toBe('Webhook already processed');
  });

  it('should answer 409 EVENT_PAYLOAD_MISMATCH when a known event_id arrives with a different status or order', async () => {
    const { orderId } = await pendingOrder();
    const other = await pendingOrder();
    const id = eventId();
    await sendWebhook(t.http, { event_id: id, order_id: orderId, status: 'paid' }).expect(200);

    const otherStatus = await sendWebhook(t.http, {
      event_id: id,
      order_id: orderId,
      status: 'failed',
    }).expect(409);
    const otherOrder = await sendWebhook(t.http, {
      event_id: id,
      order_id: other.orderId,
      status: 'paid',
    }).expect(409);

    expect(otherStatus.body.code).toBe('EVENT_PAYLOAD_MISMATCH');
    expect(otherOrder.body.code).toBe('EVENT_PAYLOAD_MISMATCH');
    expect((await t.dataSource.getRepository(Order).findOneByOrFail({ id: other.orderId })).status).toBe(
      'pending',
    );
  });

  it('should answer 404 ORDER_NOT_FOUND without recording the event, so the retry applies once the order exists', async () => {
    const { orderId: lastId } = await pendingOrder();
    const futureOrderId = lastId + 1;
    const body = { event_id: eventId(), order_id: futureOrderId, status: 'paid' };

    const refused = await sendWebhook(t.http, body).expect(404);
    expect(refused.body.code).toBe('ORDER_NOT_FOUND');
    expect(await t.dataSource.getRepository(PaymentEvent).countBy({ eventId: body.event_id })).toBe(0);

    const { orderId } = await pendingOrder();
    expect(orderId).toBe(futureOrderId);
    const retried = await sendWebhook(t.http, body).expect(200);
    expect(retried.body.message).toBe('Payment processed');
  });

  it.each([
    ['an unknown status', { event_id: 'evt_x', order_id: 1, status: 'refunded' }, 'status'],
    ['an empty event_id', { event_id: '', order_id: 1, status: 'paid' }, 'event_id'],
    ['a numeric event_id', { event_id: 12, order_id: 1, status: 'paid' }, 'event_id'],
    ['order_id as a string', { event_id: 'evt_x', order_id: '1', status: 'paid' }, 'order_id'],
    ['a missing order_id', { event_id: 'evt_x', status: 'paid' }, 'order_id'],
  ])('should answer 422 VALIDATION_FAILED for %s and record nothing', async (_name, body, field) => {
    const before = await t.dataSource.getRepository(PaymentEvent).count();

    const response = await sendWebhook(t.http, body).expect(422);

    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors[field]).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(await t.dataSource.getRepository(PaymentEvent).count()).toBe(before);
  });

  it('should compare event ids exactly: case and trailing-space variants are other events, each applied', async () => {
    // Stripe's ids are case-sensitive: a case-folding comparison would refuse the second
    // event (409) and leave its order pending forever.
    const suffix = Date.now().toString(36);
    const variants = [
      `evt_1NG8Du2eZvKYlo2C_${suffix}`,
      `evt_1ng8du2ezvkylo2c_${suffix}`,
      `evt_1NG8Du2eZvKYlo2C_${suffix} `,
    ];
    const orders = [];
    for (const id of variants) {
      const { orderId } = await pendingOrder(1);
      const response = await sendWebhook(t.http, { event_id: id, order_id: orderId, status: 'paid' }).expect(
        200,
      );
      expect(response.body.message).toBe('Payment processed');
      orders.push(orderId);
    }

    for (const [index, orderId] of orders.entries()) {
      const order = await t.http.get(`/api/orders/${orderId}`).expect(200);
      expect(order.body.data).toMatchObject({
        status: 'completed',
        payment_idempotency_key: variants[index],
      });
    }
    const recorded = await t.dataSource
      .getRepository(PaymentEvent)
      .findBy(variants.map((eventId) => ({ eventId })));
    expect(recorded.map((event) => event.eventId).sort()).toEqual([...variants].sort());
  });
});

import type Stripe from 'stripe';
import { toCents } from '../../src/common/money';
import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { Order } from '../../src/orders/order.entity';
import { PaymentEvent } from '../../src/payments/payment-event.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import {
  checkoutSessionEvent,
  CheckoutSessionEventType,
  customerCreatedEvent,
  paymentIntentEvent,
  PaymentIntentEventType,
  StripeEventOptions,
} from '../factories/stripe-event.factory';
import { LogCapture } from '../utils/log-capture';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

type EventType = PaymentIntentEventType | CheckoutSessionEventType;

/** A Stripe event of any handled type, built like Stripe's own (see the factory). */
function stripeEvent(type: EventType, options: StripeEventOptions): Stripe.Event {
  return type.startsWith('payment_intent.')
    ? paymentIntentEvent(type as PaymentIntentEventType, options)
    : checkoutSessionEvent(type as CheckoutSessionEventType, options);
}

/**
 * Stripe's own event objects at POST /api/payments/webhook, signed by the official `stripe`
 * library: each payment outcome settles the right order once, everything else is
 * acknowledged and recorded once, and the original body keeps working beside them.
 */
describe('Stripe events at the payment webhook (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      { LOG_LEVEL: 'info', PAYMENT_CURRENCY: 'usd', PAYMENT_LIVEMODE: 'false' },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  const events = () => t.dataSource.getRepository(PaymentEvent);
  const orderRow = (id: number) => t.dataSource.getRepository(Order).findOneByOrFail({ id });

  /** A pending order of `quantity` units at 99.99 each; its amount in cents is what Stripe must report. */
  async function pendingOrder(quantity = 3) {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10, price: '99.99' });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity }).expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    return {
      productId: product.id,
      orderId: order.body.data.id as number,
      cents: toCents(order.body.data.amount as string),
    };
  }

  /** Everything a webhook may change: every order's status and every product's stock. */
  async function state() {
    const orders = await t.dataSource.getRepository(Order).find({ order: { id: 'ASC' } });
    const products: Array<{ id: number; available_stock: number }> = await t.dataSource.query(
      'SELECT id, available_stock FROM products ORDER BY id',
    );
    return {
      orders: orders.map((order) => [order.id, order.status]),
      stock: products.map((row) => [Number(row.id), Number(row.available_stock)]),
    };
  }

  describe.each([
    ['payment_intent.succeeded', 'metadata.order_id'],
    ['checkout.session.completed', 'metadata.order_id'],
    ['checkout.session.completed', 'client_reference_id'],
    ['checkout.session.async_payment_succeeded', 'client_reference_id'],
  ] as const)('%s naming the order in %s', (type, reference) => {
    it('should complete that order once, keep its units sold and leave other orders pending', async () => {
      const target = await pendingOrder(3);
      const bystander = await pendingOrder(2);
      const ref =
        reference === 'metadata.order_id'
          ? { orderId: target.orderId }
          : { clientReferenceId: String(target.orderId) };
      const event = stripeEvent(type, { ...ref, amount: target.cents });

      const first = await sendWebhook(t.http, event).expect(200);
      const again = await sendWebhook(t.http, event).expect(200);

      expect(first.body).toEqual({
        status: 'success',
        message: 'Payment processed',
        data: { order_id: target.orderId, status: 'completed' },
      });
      expect(again.body.message).toBe('Webhook already processed');
      expect(await orderRow(target.orderId)).toMatchObject({
        status: 'completed',
        paymentIdempotencyKey: event.id,
      });
      expect((await orderRow(bystander.orderId)).status).toBe('pending');
      expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(7);
      expect(await events().findBy({ eventId: event.id })).toEqual([
        expect.objectContaining({
          orderId: target.orderId,
          status: 'paid',
          outcome: 'applied',
          reason: null,
          eventType: type,
          amount: target.cents,
          currency: 'usd',
        }),
      ]);
    });
  });

  it.each([
    'payment_intent.canceled',
    'checkout.session.async_payment_failed',
    'checkout.session.expired',
  ] as const)('should cancel the order on %s and give its units back exactly once', async (type) => {
    const target = await pendingOrder(4);
    const bystander = await pendingOrder(2);
    const event = stripeEvent(type, { orderId: target.orderId, amount: target.cents });

    const first = await sendWebhook(t.http, event).expect(200);
    const again = await sendWebhook(t.http, event).expect(200);

    expect(first.body).toEqual({
      status: 'success',
      message: 'Payment processed',
      data: { order_id: target.orderId, status: 'cancelled' },
    });
    expect(again.body.message).toBe('Webhook already processed');
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(10);
    expect((await orderRow(bystander.orderId)).status).toBe('pending');
    expect(await events().findBy({ eventId: event.id })).toEqual([
      expect.objectContaining({
        orderId: target.orderId,
        status: 'failed',
        outcome: 'applied',
        eventType: type,
      }),
    ]);
  });

  it('should keep the order pending with its units on a declined card, record and log it, and complete it on the retry that succeeds', async () => {
    const target = await pendingOrder(4);
    const bystander = await pendingOrder(2);
    const declined = stripeEvent('payment_intent.payment_failed', { orderId: target.orderId });

    const first = await sendWebhook(t.http, declined).expect(200);
    const again = await sendWebhook(t.http, declined).expect(200);

    expect(first.body).toEqual({
      status: 'success',
      message:
        'Event recorded: a payment attempt failed; the order stays pending, so the buyer can pay again',
      data: { order_id: target.orderId, status: 'pending' },
    });
    expect(again.body).toEqual({
      status: 'success',
      message: 'Webhook already processed',
      data: { order_id: target.orderId, status: 'pending' },
    });
    expect(await orderRow(target.orderId)).toMatchObject({ status: 'pending', cancelReason: null });
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(6);
    expect(await events().findBy({ eventId: declined.id })).toEqual([
      expect.objectContaining({
        orderId: target.orderId,
        status: null,
        outcome: 'ignored',
        reason: 'attempt_failed',
        eventType: 'payment_intent.payment_failed',
      }),
    ]);
    expect(
      await logs.waitFor((line) => line.event === 'payment.attempt_failed' && line.event_id === declined.id),
    ).toMatchObject({
      level: 'info',
      order_id: target.orderId,
      event_type: 'payment_intent.payment_failed',
      last_payment_error_code: 'card_declined',
      order_status: 'pending',
    });

    // Another card on the same PaymentIntent: the order completes, its units stay sold.
    const retried = stripeEvent('payment_intent.succeeded', {
      orderId: target.orderId,
      amount: target.cents,
    });
    const paid = await sendWebhook(t.http, retried).expect(200);

    expect(paid.body).toEqual({
      status: 'success',
      message: 'Payment processed',
      data: { order_id: target.orderId, status: 'completed' },
    });
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(6);
    expect((await orderRow(bystander.orderId)).status).toBe('pending');
  });

  it('should cancel an order on payment_intent.canceled after declined attempts, giving its units back once', async () => {
    const target = await pendingOrder(3);
    for (let attempt = 0; attempt < 3; attempt++) {
      await sendWebhook(
        t.http,
        stripeEvent('payment_intent.payment_failed', { orderId: target.orderId }),
      ).expect(200);
    }
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(7);

    const canceled = await sendWebhook(
      t.http,
      stripeEvent('payment_intent.canceled', { orderId: target.orderId }),
    ).expect(200);

    expect(canceled.body.data).toEqual({ order_id: target.orderId, status: 'cancelled' });
    expect(await orderRow(target.orderId)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'payment_failed',
    });
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(10);
    // A declined attempt after the cancellation is recorded and changes nothing.
    const late = await sendWebhook(
      t.http,
      stripeEvent('payment_intent.payment_failed', { orderId: target.orderId }),
    ).expect(200);
    expect(late.body).toEqual({
      status: 'success',
      message: 'Event recorded: a payment attempt failed; the order is already cancelled and unchanged',
      data: { order_id: target.orderId, status: 'cancelled' },
    });
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(10);
  });

  it('should answer 404 for a declined attempt on an order that does not exist, recording nothing', async () => {
    const { orderId: lastId } = await pendingOrder();
    const event = stripeEvent('payment_intent.payment_failed', { orderId: lastId + 1000 });

    expect((await sendWebhook(t.http, event).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
    expect(await events().countBy({ eventId: event.id })).toBe(0);
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'should acknowledge type %s as unhandled, record it as ignored and touch no order',
    async (type) => {
      const target = await pendingOrder(2);
      const before = await state();
      const event = {
        ...paymentIntentEvent('payment_intent.succeeded', { orderId: target.orderId, amount: target.cents }),
        type,
      };

      const first = await sendWebhook(t.http, event).expect(200);
      const again = await sendWebhook(t.http, event).expect(200);

      expect(first.body).toEqual({
        status: 'success',
        message: `Event ignored: ${type} does not settle an order`,
        data: { order_id: null, status: null },
      });
      expect(again.body.message).toBe('Webhook already processed');
      expect(await state()).toEqual(before);
      expect(await events().findBy({ eventId: event.id })).toEqual([
        expect.objectContaining({
          orderId: null,
          status: null,
          outcome: 'ignored',
          reason: 'unhandled_type',
          eventType: type,
        }),
      ]);
    },
  );

  it('should apply one of many parallel deliveries of the same event, the rest being duplicates', async () => {
    const target = await pendingOrder(4);
    const event = stripeEvent('payment_intent.canceled', { orderId: target.orderId });

    const answers = await Promise.all(Array.from({ length: 12 }, () => sendWebhook(t.http, event)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    const messages = answers.map((answer) => answer.body.message as string).sort();
    expect(messages).toEqual(['Payment processed', ...Array(11).fill('Webhook already processed')].sort());
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(10);
    expect(await events().countBy({ eventId: event.id })).toBe(1);
  });

  it('should acknowledge customer.created once, record it and change nothing', async () => {
    await pendingOrder();
    const before = await state();
    const event = customerCreatedEvent();

    const first = await sendWebhook(t.http, event).expect(200);
    const again = await sendWebhook(t.http, event).expect(200);

    expect(first.body).toEqual({
      status: 'success',
      message: 'Event ignored: customer.created does not settle an order',
      data: { order_id: null, status: null },
    });
    expect(again.body).toEqual({
      status: 'success',
      message: 'Webhook already processed',
      data: { order_id: null, status: null },
    });
    expect(await state()).toEqual(before);
    expect(await events().findBy({ eventId: event.id })).toEqual([
      expect.objectContaining({
        orderId: null,
        status: null,
        outcome: 'ignored',
        reason: 'unhandled_type',
        eventType: 'customer.created',
      }),
    ]);
  });

  it('should acknowledge a payment outcome that names no order, record it once and change nothing', async () => {
    await pendingOrder();
    const before = await state();
    const event = paymentIntentEvent('payment_intent.succeeded', { amount: 29997 });

    const first = await sendWebhook(t.http, event).expect(200);
    await sendWebhook(t.http, event).expect(200);

    expect(first.body.message).toMatch(/^Event ignored: it names no order/);
    expect(first.body.data).toEqual({ order_id: null, status: null });
    expect(await state()).toEqual(before);
    expect(await events().findBy({ eventId: event.id })).toEqual([
      expect.objectContaining({
        orderId: null,
        status: 'paid',
        outcome: 'ignored',
        reason: 'no_order_reference',
      }),
    ]);
  });

  it('should wait for the async payment when a Checkout Session completes unpaid, then settle on its outcome', async () => {
    const target = await pendingOrder();
    const ref = { clientReferenceId: String(target.orderId), amount: target.cents };

    const completed = await sendWebhook(
      t.http,
      checkoutSessionEvent('checkout.session.completed', { ...ref, paymentStatus: 'unpaid' }),
    ).expect(200);
    expect(completed.body.message).toMatch(/^Event ignored: the Checkout Session is not paid yet/);
    expect((await orderRow(target.orderId)).status).toBe('pending');

    const paid = await sendWebhook(
      t.http,
      checkoutSessionEvent('checkout.session.async_payment_succeeded', ref),
    ).expect(200);
    expect(paid.body.data).toEqual({ order_id: target.orderId, status: 'completed' });
  });

  it.each([
    ['one cent short', (cents: number) => ({ amount: cents - 1, currency: 'usd' })],
    ['in major units', (cents: number) => ({ amount: Math.floor(cents / 100), currency: 'usd' })],
    ['in another currency', (cents: number) => ({ amount: cents, currency: 'eur' })],
  ])(
    'should leave the order pending, record the event, answer 200 and warn when the payment is %s',
    async (_case, paid) => {
      const target = await pendingOrder(3);
      const charged = paid(target.cents);
      const event = paymentIntentEvent('payment_intent.succeeded', { orderId: target.orderId, ...charged });

      const response = await sendWebhook(t.http, event).expect(200);

      expect(response.body.message).toMatch(
        /^Event ignored: the amount or currency paid differs from the order's/,
      );
      expect(response.body.data).toEqual({ order_id: target.orderId, status: 'pending' });
      expect((await orderRow(target.orderId)).status).toBe('pending');
      expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(7);
      expect(await events().findBy({ eventId: event.id })).toEqual([
        expect.objectContaining({
          orderId: target.orderId,
          status: 'paid',
          outcome: 'ignored',
          reason: 'amount_mismatch',
          ...charged,
        }),
      ]);
      expect(
        await logs.waitFor((line) => line.event === 'payment.amount_mismatch' && line.event_id === event.id),
      ).toMatchObject({
        level: 'warn',
        order_id: target.orderId,
        event_type: 'payment_intent.succeeded',
        livemode: false,
        amount: charged.amount,
        currency: charged.currency,
        expected_amount: target.cents,
        expected_currency: 'usd',
      });

      // The redelivery is a duplicate; a correct payment later still completes the order.
      expect((await sendWebhook(t.http, event).expect(200)).body.message).toBe('Webhook already processed');
      const right = paymentIntentEvent('payment_intent.succeeded', {
        orderId: target.orderId,
        amount: target.cents,
      });
      expect((await sendWebhook(t.http, right).expect(200)).body.data.status).toBe('completed');
    },
  );

  it('should refuse an event from live mode with 400 LIVEMODE_MISMATCH, record nothing and log it', async () => {
    const target = await pendingOrder();
    const before = await state();
    const event = paymentIntentEvent('payment_intent.succeeded', {
      orderId: target.orderId,
      amount: target.cents,
      livemode: true,
    });

    const response = await sendWebhook(t.http, event).expect(400);

    expect(response.body).toEqual({
      status: 'error',
      code: 'LIVEMODE_MISMATCH',
      message: expect.stringMatching(/live-mode.*PAYMENT_LIVEMODE=false/),
    });
    expect(await state()).toEqual(before);
    expect(await events().countBy({ eventId: event.id })).toBe(0);
    expect(
      await logs.waitFor((line) => line.event === 'payment.rejected' && line.event_id === event.id),
    ).toMatchObject({
      level: 'warn',
      reason: 'LIVEMODE_MISMATCH',
      livemode: true,
    });
  });

  it('should settle each order once when Stripe events and original bodies race for it', async () => {
    const targets = await Promise.all([pendingOrder(2), pendingOrder(3), pendingOrder(4)]);
    // Per order: Stripe says paid (twice: a redelivery), the original body says failed.
    const deliveries = targets.flatMap((target) => {
      const paid = paymentIntentEvent('payment_intent.succeeded', {
        orderId: target.orderId,
        amount: target.cents,
      });
      const failed = { event_id: `evt_race_${target.orderId}`, order_id: target.orderId, status: 'failed' };
      return [paid, failed, paid].map((body) => ({ target, body }));
    });

    const answers = await Promise.all(deliveries.map(({ body }) => sendWebhook(t.http, body)));

    expect(answers.map((answer) => answer.status)).toEqual(deliveries.map(() => 200));
    for (const target of targets) {
      const mine = answers
        .filter((_answer, i) => deliveries[i].target === target)
        .map((answer) => answer.body.message as string);
      expect(mine.filter((message) => message === 'Payment processed')).toHaveLength(1);
      const order = await orderRow(target.orderId);
      const units = (await reloadProduct(t.dataSource, target.productId)).availableStock;
      // Whichever won, the units are where the order's status says they are.
      expect([order.status, units]).toEqual(
        order.status === 'completed' ? ['completed', 10 - order.quantity] : ['cancelled', 10],
      );
      expect(await events().countBy({ orderId: target.orderId })).toBe(2);
    }
  });

  it('should answer 404 for an order that does not exist yet, record nothing, and apply the retry once it does', async () => {
    const { orderId: lastId } = await pendingOrder();
    const event = stripeEvent('checkout.session.expired', { orderId: lastId + 1 });

    expect((await sendWebhook(t.http, event).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
    expect(await events().countBy({ eventId: event.id })).toBe(0);

    const { orderId } = await pendingOrder();
    expect(orderId).toBe(lastId + 1);
    expect((await sendWebhook(t.http, event).expect(200)).body.data).toEqual({
      order_id: orderId,
      status: 'cancelled',
    });
  });

  it('should acknowledge a Stripe success for an order the original body already cancelled, and keep it cancelled', async () => {
    const target = await pendingOrder(4);
    await sendWebhook(t.http, {
      event_id: `evt_original_${target.orderId}`,
      order_id: target.orderId,
      status: 'failed',
    }).expect(200);
    const late = paymentIntentEvent('payment_intent.succeeded', {
      orderId: target.orderId,
      amount: target.cents,
    });

    const response = await sendWebhook(t.http, late).expect(200);

    expect(response.body.data).toEqual({ order_id: target.orderId, status: 'cancelled' });
    expect((await reloadProduct(t.dataSource, target.productId)).availableStock).toBe(10);
    expect(await events().findOneByOrFail({ eventId: late.id })).toMatchObject({
      outcome: 'ignored',
      status: 'paid',
    });
  });

  it('should keep answering the original body exactly as before, beside Stripe events', async () => {
    const target = await pendingOrder();
    const body = { event_id: `evt_orig_${target.orderId}`, order_id: target.orderId, status: 'paid' };

    const response = await sendWebhook(t.http, body).expect(200);

    expect(response.body).toEqual({
      status: 'success',
      message: 'Payment processed',
      data: { order_id: target.orderId, status: 'completed' },
    });
    expect(await events().findOneByOrFail({ eventId: body.event_id })).toMatchObject({
      eventType: null,
      amount: null,
      reason: null,
    });
    const invalid = await sendWebhook(t.http, {
      event_id: 'evt_x',
      order_id: '1',
      status: 'refunded',
    }).expect(422);
    expect(Object.keys(invalid.body.errors).sort()).toEqual(['order_id', 'status']);
  });

  it('should answer 409 when a known Stripe event id comes back as a different event', async () => {
    const target = await pendingOrder();
    const event = paymentIntentEvent('payment_intent.succeeded', {
      orderId: target.orderId,
      amount: target.cents,
    });
    await sendWebhook(t.http, event).expect(200);

    const reused = paymentIntentEvent('payment_intent.canceled', { id: event.id, orderId: target.orderId });
    expect((await sendWebhook(t.http, reused).expect(409)).body.code).toBe('EVENT_PAYLOAD_MISMATCH');
    const asOther = customerCreatedEvent({ id: event.id });
    expect((await sendWebhook(t.http, asOther).expect(409)).body.code).toBe('EVENT_PAYLOAD_MISMATCH');
  });

  it.each([
    ['no id', (event: Record<string, unknown>) => delete event.id, 'id'],
    ['no data', (event: Record<string, unknown>) => delete event.data, 'data'],
    ['livemode as a string', (event: Record<string, unknown>) => (event.livemode = 'false'), 'livemode'],
    [
      'an order_id that is not an id',
      (event: Record<string, unknown>) =>
        ((event.data as { object: { metadata: object } }).object.metadata = { order_id: 'ord_1' }),
      'data.object.metadata.order_id',
    ],
    [
      'no amount_received',
      (event: Record<string, unknown>) =>
        delete (event.data as { object: Record<string, unknown> }).object.amount_received,
      'data.object.amount_received',
    ],
  ])(
    'should refuse a Stripe event with %s as 422 VALIDATION_FAILED and record nothing',
    async (_case, spoil, field) => {
      const target = await pendingOrder();
      const event = paymentIntentEvent('payment_intent.succeeded', {
        orderId: target.orderId,
        amount: target.cents,
      }) as unknown as Record<string, unknown>;
      spoil(event);
      const before = await events().count();

      const response = await sendWebhook(t.http, event).expect(422);

      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors[field]).toEqual(expect.arrayContaining([expect.any(String)]));
      expect(await events().count()).toBe(before);
      expect((await orderRow(target.orderId)).status).toBe('pending');
    },
  );

  describe('with PAYMENT_LIVEMODE=true', () => {
    let live: TestApp;

    beforeAll(async () => {
      live = await createTestApp({ PAYMENT_LIVEMODE: 'true' });
    });

    afterAll(async () => {
      await live?.close();
    });

    it('should take live-mode events and refuse test-mode ones', async () => {
      const product = await createProduct(live.dataSource, {
        totalStock: 5,
        availableStock: 5,
        price: '12.50',
      });
      const hold = await live.http
        .post('/api/holds')
        .send({ product_id: product.id, quantity: 2 })
        .expect(201);
      const order = await live.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
      const options = { orderId: order.body.data.id as number, amount: 2500 };

      const test = await sendWebhook(
        live.http,
        paymentIntentEvent('payment_intent.succeeded', { ...options, livemode: false }),
      ).expect(400);
      expect(test.body).toMatchObject({
        code: 'LIVEMODE_MISMATCH',
        message: expect.stringMatching(/test-mode.*PAYMENT_LIVEMODE=true/),
      });

      const paid = await sendWebhook(
        live.http,
        paymentIntentEvent('payment_intent.succeeded', { ...options, livemode: true }),
      ).expect(200);
      expect(paid.body.data).toEqual({ order_id: options.orderId, status: 'completed' });
    });
  });
});

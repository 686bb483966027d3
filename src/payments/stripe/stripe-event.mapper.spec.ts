import {
  checkoutSessionEvent,
  customerCreatedEvent,
  paymentIntentEvent,
  StripeEventOptions,
} from '../../../test/factories/stripe-event.factory';
import { ValidationFailedError } from '../../common/errors/domain.error';
import { PaymentWebhookDto } from '../dto/payment-webhook.dto';
import { StripeEventDto } from './stripe-event.dto';
import { LivemodeMismatchError } from '../payment.errors';
import { mapStripeEvent, toPaymentNotice } from './stripe-event.mapper';
import { WebhookBodyPipe } from '../webhook-body.pipe';

const sut = mapStripeEvent;
const pipe = new WebhookBodyPipe();
/** As the webhook gets it: through the body pipe, then the mapper (test mode). */
const map = async (body: unknown, livemode = false) =>
  sut((await pipe.transform(body, { type: 'body' })) as StripeEventDto, livemode);
const failure = async (body: unknown) => {
  const error = await map(body).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ValidationFailedError);
  return (error as ValidationFailedError).fieldErrors;
};
const order = { orderId: 7, amount: 49995 } satisfies StripeEventOptions;

describe(mapStripeEvent.name, () => {
  it.each([
    ['payment_intent.succeeded', () => paymentIntentEvent('payment_intent.succeeded', order), 'paid'],
    ['payment_intent.canceled', () => paymentIntentEvent('payment_intent.canceled', order), 'failed'],
    ['checkout.session.completed', () => checkoutSessionEvent('checkout.session.completed', order), 'paid'],
    [
      'checkout.session.async_payment_succeeded',
      () => checkoutSessionEvent('checkout.session.async_payment_succeeded', order),
      'paid',
    ],
    [
      'checkout.session.async_payment_failed',
      () => checkoutSessionEvent('checkout.session.async_payment_failed', order),
      'failed',
    ],
    ['checkout.session.expired', () => checkoutSessionEvent('checkout.session.expired', order), 'failed'],
  ])('should settle order 7 as %s -> %s', async (type, build, status) => {
    const event = build();

    const notice = await map(event);

    expect(notice).toEqual({
      kind: 'settle',
      eventId: event.id,
      eventType: type,
      livemode: false,
      orderId: 7,
      status,
      charged: status === 'paid' ? { amount: 49995, currency: 'usd' } : null,
    });
  });

  it("should record a declined attempt against order 7 without settling it, with Stripe's error code", async () => {
    const event = paymentIntentEvent('payment_intent.payment_failed', order);

    expect(await map(event)).toEqual({
      kind: 'attempt_failed',
      eventId: event.id,
      eventType: 'payment_intent.payment_failed',
      livemode: false,
      orderId: 7,
      status: null,
      errorCode: 'card_declined',
    });
  });

  it('should record a declined attempt without last_payment_error, or with a code that is not a word, with no code', async () => {
    for (const lastPaymentError of [null, { type: 'card_error' }, { code: 42 }, { code: 'x y\n' }]) {
      const event = paymentIntentEvent('payment_intent.payment_failed', order) as unknown as {
        data: { object: Record<string, unknown> };
      };
      event.data.object.last_payment_error = lastPaymentError;
      expect(await map(event)).toMatchObject({ kind: 'attempt_failed', orderId: 7, errorCode: null });
    }
  });

  it('should acknowledge a declined attempt that names no order', async () => {
    const event = paymentIntentEvent('payment_intent.payment_failed', {});
    expect(await map(event)).toMatchObject({
      kind: 'acknowledge',
      status: null,
      reason: 'no_order_reference',
    });
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'])(
    'should acknowledge type %s as unhandled: a type never matches a member of Object.prototype',
    async (type) => {
      const event = { ...paymentIntentEvent('payment_intent.succeeded', order), type };
      expect(await map(event)).toEqual({
        kind: 'acknowledge',
        eventId: event.id,
        eventType: type,
        livemode: false,
        status: null,
        reason: 'unhandled_type',
      });
    },
  );

  it('should read the order from client_reference_id when metadata has no order_id', async () => {
    const event = checkoutSessionEvent('checkout.session.completed', { clientReferenceId: '12' });
    expect(await map(event)).toMatchObject({ kind: 'settle', orderId: 12 });
  });

  it('should prefer metadata.order_id over client_reference_id', async () => {
    const event = checkoutSessionEvent('checkout.session.completed', { orderId: 3, clientReferenceId: '12' });
    expect(await map(event)).toMatchObject({ kind: 'settle', orderId: 3 });
  });

  it('should lowercase the currency Stripe reports', async () => {
    const event = paymentIntentEvent('payment_intent.succeeded', { ...order, currency: 'EUR' });
    expect(await map(event)).toMatchObject({ charged: { amount: 49995, currency: 'eur' } });
  });

  it('should acknowledge a type that settles nothing without reading its object', async () => {
    const event = customerCreatedEvent();
    expect(await map(event)).toEqual({
      kind: 'acknowledge',
      eventId: event.id,
      eventType: 'customer.created',
      livemode: false,
      status: null,
      reason: 'unhandled_type',
    });
  });

  it('should acknowledge a payment outcome that names no order', async () => {
    const event = paymentIntentEvent('payment_intent.succeeded', { amount: 100 });
    expect(await map(event)).toMatchObject({
      kind: 'acknowledge',
      status: 'paid',
      reason: 'no_order_reference',
    });
  });

  it.each(['unpaid', 'no_payment_required'] as const)(
    'should acknowledge a completed Checkout Session whose payment_status is %s: its async event settles it',
    async (paymentStatus) => {
      const event = checkoutSessionEvent('checkout.session.completed', { ...order, paymentStatus });
      expect(await map(event)).toMatchObject({ kind: 'acknowledge', reason: 'not_paid' });
    },
  );

  it('should refuse an event from the other mode, whatever its type', async () => {
    await expect(
      map(paymentIntentEvent('payment_intent.succeeded', { ...order, livemode: true })),
    ).rejects.toThrow(LivemodeMismatchError);
    await expect(map(customerCreatedEvent({ livemode: false }), true)).rejects.toThrow(LivemodeMismatchError);
    expect(
      await map(paymentIntentEvent('payment_intent.succeeded', { ...order, livemode: true }), true),
    ).toMatchObject({
      kind: 'settle',
      livemode: true,
    });
  });

  it.each([
    ['a non-numeric order_id', { orderId: 'ord_7' }, 'data.object.metadata.order_id'],
    ['a zero order_id', { orderId: '0' }, 'data.object.metadata.order_id'],
    ['an order_id past 2^53', { orderId: '9007199254740993' }, 'data.object.metadata.order_id'],
    ['a non-numeric client_reference_id', { clientReferenceId: 'cart-7' }, 'data.object.client_reference_id'],
  ])('should refuse %s with its path', async (_case, options, path) => {
    const errors = await failure(checkoutSessionEvent('checkout.session.completed', options));
    expect(Object.keys(errors)).toEqual([path]);
  });

  it('should refuse a success event without the amount paid or its currency', async () => {
    const event = paymentIntentEvent('payment_intent.succeeded', order) as unknown as {
      data: { object: Record<string, unknown> };
    };
    delete event.data.object.amount_received;
    event.data.object.currency = 'dollars';
    expect(Object.keys(await failure(event)).sort()).toEqual([
      'data.object.amount_received',
      'data.object.currency',
    ]);
  });

  it('should refuse an event whose object is not the one its type carries', async () => {
    const event = paymentIntentEvent('payment_intent.succeeded', order) as unknown as {
      data: { object: Record<string, unknown> };
    };
    event.data.object.object = 'charge';
    expect(Object.keys(await failure(event))).toEqual(['data.object.object']);
  });

  it.each([
    ['id', (event: Record<string, unknown>) => delete event.id],
    ['type', (event: Record<string, unknown>) => (event.type = 42)],
    ['livemode', (event: Record<string, unknown>) => (event.livemode = 'false')],
    ['data', (event: Record<string, unknown>) => delete event.data],
    ['data.object', (event: Record<string, unknown>) => (event.data = { object: [] })],
  ])('should refuse an event with a missing or malformed %s', async (path, spoil) => {
    const event = paymentIntentEvent('payment_intent.succeeded', order) as unknown as Record<string, unknown>;
    spoil(event);
    expect(Object.keys(await failure(event))).toContain(path);
  });
});

describe(toPaymentNotice.name, () => {
  it('should settle the order the original body names, with no amount to check', async () => {
    const body = await pipe.transform({ event_id: 'evt_1', order_id: 5, status: 'failed' }, { type: 'body' });
    expect(body).toBeInstanceOf(PaymentWebhookDto);
    expect(toPaymentNotice(body, false)).toEqual({
      kind: 'settle',
      eventId: 'evt_1',
      eventType: null,
      livemode: null,
      orderId: 5,
      status: 'failed',
      charged: null,
    });
  });

  it("should keep the original body's per-field 422 for a body that is not a Stripe event", async () => {
    const error = await pipe
      .transform({ event_id: '', order_id: '1', status: 'refunded' }, { type: 'body' })
      .catch((e: unknown) => e);
    expect((error as ValidationFailedError).fieldErrors).toEqual({
      event_id: expect.any(Array),
      order_id: expect.any(Array),
      status: expect.any(Array),
    });
  });
});

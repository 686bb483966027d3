import { emptyFieldErrors, ValidationFailedError } from '../../common/errors/domain.error';
import type { PaymentStatus } from '../../orders/order-status';
import type { Charged } from '../minor-units';
import type { PaymentWebhookDto } from '../dto/payment-webhook.dto';
import { StripeEventDto } from './stripe-event.dto';
import { LivemodeMismatchError } from '../payment.errors';
import type { PaymentNotice } from '../payment-notice';

type StripeObjectType = 'payment_intent' | 'checkout.session';

/**
 * What a handled type does. paid / failed settle the order (failed cancels it and gives its
 * units back). attempt_failed only records the event: a declined card sends the PaymentIntent
 * back to requires_payment_method and the buyer may pay again on it, so the order stays
 * pending with its units taken until a success, a final failure or the payment timeout.
 */
type Effect = PaymentStatus | 'attempt_failed';

interface Handled {
  effect: Effect;
  object: StripeObjectType;
}

/**
 * The Stripe event types the webhook acts on; every other type is acknowledged and ignored.
 * A Map, not an object literal: the type is a request string, and `{}["toString"]` finds
 * Object.prototype's members.
 */
export const STRIPE_EVENT_OUTCOMES: ReadonlyMap<string, Handled> = new Map<string, Handled>([
  ['payment_intent.succeeded', { effect: 'paid', object: 'payment_intent' }],
  ['payment_intent.payment_failed', { effect: 'attempt_failed', object: 'payment_intent' }],
  ['payment_intent.canceled', { effect: 'failed', object: 'payment_intent' }],
  ['checkout.session.completed', { effect: 'paid', object: 'checkout.session' }],
  ['checkout.session.async_payment_succeeded', { effect: 'paid', object: 'checkout.session' }],
  ['checkout.session.async_payment_failed', { effect: 'failed', object: 'checkout.session' }],
  ['checkout.session.expired', { effect: 'failed', object: 'checkout.session' }],
]);

/** Where each object carries the amount actually paid. */
const AMOUNT_FIELD: Readonly<Record<StripeObjectType, string>> = {
  payment_intent: 'amount_received',
  'checkout.session': 'amount_total',
};

/** Stripe's error codes are short snake_case words (card_declined); anything else is not logged. */
const ERROR_CODE = /^[a-z0-9_]{1,64}$/;

const ORDER_ID = /^[1-9][0-9]{0,15}$/;
const CURRENCY = /^[a-z]{3}$/i;

/**
 * Normalises a Stripe event into what the webhook acts on. Pure: livemode is checked
 * against the deployment's mode (passed in), the order reference and, for a success event,
 * the amount paid are read from `data.object`. A part the outcome depends on that is
 * missing or malformed is a 422 with its path, like the original body's fields.
 */
export function mapStripeEvent(event: StripeEventDto, expectedLivemode: boolean): PaymentNotice {
  if (event.livemode !== expectedLivemode) throw new LivemodeMismatchError(event.id, expectedLivemode);
  const base = { eventId: event.id, eventType: event.type, livemode: event.livemode };
  const handled = STRIPE_EVENT_OUTCOMES.get(event.type);
  if (!handled) return { ...base, kind: 'acknowledge', status: null, reason: 'unhandled_type' };

  const object = event.data.object;
  const errors = emptyFieldErrors();
  const fail = (path: string, message: string) => (errors[`data.object.${path}`] = [message]);
  if (object.object !== handled.object) fail('object', `a ${event.type} event carries a ${handled.object}`);
  // Completed with a delayed payment method (payment_status unpaid): async_payment_succeeded
  // or async_payment_failed settles the order later.
  const notPaidYet = event.type === 'checkout.session.completed' && object.payment_status !== 'paid';

  const orderId = notPaidYet ? null : orderReference(object, fail);
  const charged =
    handled.effect === 'paid' && !notPaidYet ? amountPaid(object, AMOUNT_FIELD[handled.object], fail) : null;
  if (Object.keys(errors).length > 0) throw new ValidationFailedError(errors, 'The Stripe event is invalid');

  if (notPaidYet) return { ...base, kind: 'acknowledge', status: null, reason: 'not_paid' };
  // A declined attempt settles nothing: its status stays null, like every event that moves no order.
  const status = handled.effect === 'attempt_failed' ? null : handled.effect;
  if (orderId === null) return { ...base, kind: 'acknowledge', status, reason: 'no_order_reference' };
  if (handled.effect === 'attempt_failed') {
    return {
      ...base,
      kind: 'attempt_failed',
      orderId,
      status: null,
      errorCode: lastPaymentErrorCode(object),
    };
  }
  return { ...base, kind: 'settle', orderId, status: handled.effect, charged };
}

/** `last_payment_error.code` of a PaymentIntent (card_declined, expired_card...), when it has one. */
function lastPaymentErrorCode(object: Record<string, unknown>): string | null {
  const error = object.last_payment_error;
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : null;
}

/** metadata.order_id first (any object), else client_reference_id (Checkout Session); null if neither is set. */
function orderReference(
  object: Record<string, unknown>,
  fail: (path: string, message: string) => void,
): number | null {
  const metadata = object.metadata;
  if (
    metadata !== undefined &&
    metadata !== null &&
    (typeof metadata !== 'object' || Array.isArray(metadata))
  ) {
    fail('metadata', 'metadata must be an object');
    return null;
  }
  const candidates: Array<[string, unknown]> = [
    ['metadata.order_id', (metadata as Record<string, unknown> | null | undefined)?.order_id],
    ['client_reference_id', object.client_reference_id],
  ];
  const found = candidates.find(([, value]) => value !== undefined && value !== null && value !== '');
  if (!found) return null;
  const [path, value] = found;
  if (typeof value !== 'string' || !ORDER_ID.test(value) || !Number.isSafeInteger(Number(value))) {
    fail(path, `${path} must be the id of an order: a positive integer, written as a string`);
    return null;
  }
  return Number(value);
}

function amountPaid(
  object: Record<string, unknown>,
  field: string,
  fail: (path: string, message: string) => void,
): Charged | null {
  const amount = object[field];
  const currency = object.currency;
  const amountOk = typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0;
  const currencyOk = typeof currency === 'string' && CURRENCY.test(currency);
  if (!amountOk) fail(field, `${field} must be a non-negative integer in the currency's smallest unit`);
  if (!currencyOk) fail('currency', 'currency must be a three-letter ISO currency code');
  return amountOk && currencyOk ? { amount, currency: currency.toLowerCase() } : null;
}

/** Either accepted body, as what the webhook acts on. The original body always settles its order. */
export function toPaymentNotice(
  body: PaymentWebhookDto | StripeEventDto,
  expectedLivemode: boolean,
): PaymentNotice {
  if (body instanceof StripeEventDto) return mapStripeEvent(body, expectedLivemode);
  return {
    kind: 'settle',
    eventId: body.event_id,
    eventType: null,
    livemode: null,
    orderId: body.order_id,
    status: body.status,
    charged: null,
  };
}

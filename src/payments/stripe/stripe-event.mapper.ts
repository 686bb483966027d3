import { FieldErrors, ValidationFailedError } from '../../common/errors/domain.error';
import type { PaymentStatus } from '../../orders/order-status';
import type { Charged } from '../minor-units';
import type { PaymentWebhookDto } from '../dto/payment-webhook.dto';
import { StripeEventDto } from './stripe-event.dto';
import { LivemodeMismatchError } from '../payment.errors';
import type { PaymentNotice } from '../payment-notice';

type StripeObjectType = 'payment_intent' | 'checkout.session';

interface Handled {
  status: PaymentStatus;
  object: StripeObjectType;
}

/** The Stripe event types that settle an order; every other type is acknowledged and ignored. */
export const STRIPE_EVENT_OUTCOMES: Readonly<Record<string, Handled>> = {
  'payment_intent.succeeded': { status: 'paid', object: 'payment_intent' },
  'payment_intent.payment_failed': { status: 'failed', object: 'payment_intent' },
  'payment_intent.canceled': { status: 'failed', object: 'payment_intent' },
  'checkout.session.completed': { status: 'paid', object: 'checkout.session' },
  'checkout.session.async_payment_succeeded': { status: 'paid', object: 'checkout.session' },
  'checkout.session.async_payment_failed': { status: 'failed', object: 'checkout.session' },
  'checkout.session.expired': { status: 'failed', object: 'checkout.session' },
};

/** Where each object carries the amount actually paid. */
const AMOUNT_FIELD: Record<StripeObjectType, string> = {
  payment_intent: 'amount_received',
  'checkout.session': 'amount_total',
};

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
  const handled = STRIPE_EVENT_OUTCOMES[event.type];
  if (!handled) return { ...base, kind: 'acknowledge', status: null, reason: 'unhandled_type' };

  const object = event.data.object;
  const errors: FieldErrors = {};
  const fail = (path: string, message: string) => (errors[`data.object.${path}`] = [message]);
  if (object.object !== handled.object) fail('object', `a ${event.type} event carries a ${handled.object}`);
  // Completed with a delayed payment method (payment_status unpaid): async_payment_succeeded
  // or async_payment_failed settles the order later.
  const notPaidYet = event.type === 'checkout.session.completed' && object.payment_status !== 'paid';

  const orderId = notPaidYet ? null : orderReference(object, fail);
  const charged =
    handled.status === 'paid' && !notPaidYet ? amountPaid(object, AMOUNT_FIELD[handled.object], fail) : null;
  if (Object.keys(errors).length > 0) throw new ValidationFailedError(errors, 'The Stripe event is invalid');

  if (notPaidYet) return { ...base, kind: 'acknowledge', status: null, reason: 'not_paid' };
  if (orderId === null) {
    return { ...base, kind: 'acknowledge', status: handled.status, reason: 'no_order_reference' };
  }
  return { ...base, kind: 'settle', orderId, status: handled.status, charged };
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

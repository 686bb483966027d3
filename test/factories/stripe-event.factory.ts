import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

/**
 * Stripe Event objects as a Stripe webhook endpoint receives them, typed with the official
 * `stripe` package's own types (so every field Stripe always sends is present, with its
 * real type), with the values of the API reference's examples ("The Event object", "The
 * PaymentIntent object", "The Checkout Session object", "The Customer object").
 */

export type PaymentIntentEventType =
  'payment_intent.succeeded' | 'payment_intent.payment_failed' | 'payment_intent.canceled';
export type CheckoutSessionEventType =
  | 'checkout.session.completed'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'checkout.session.expired';

export interface StripeEventOptions {
  /** The event's `id`; a fresh `evt_...` unless given (a redelivery reuses one). */
  id?: string;
  livemode?: boolean;
  /** metadata.order_id, as Stripe writes metadata: a string. Omitted: no metadata.order_id. */
  orderId?: number | string;
  /** Checkout Session only. */
  clientReferenceId?: string | null;
  /** In the smallest unit (cents). */
  amount?: number;
  currency?: string;
  /** Checkout Session only: `paid` unless given (completed/async_payment_succeeded). */
  paymentStatus?: Stripe.Checkout.Session.PaymentStatus;
}

const stripeId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function metadataOf(options: StripeEventOptions): Stripe.Metadata {
  return options.orderId === undefined ? {} : { order_id: String(options.orderId) };
}

function envelope<T extends Stripe.Event>(
  type: T['type'],
  object: T['data']['object'],
  options: StripeEventOptions,
): T {
  const event: Stripe.EventBase & { type: string; data: { object: unknown } } = {
    id: options.id ?? stripeId('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: nowSeconds(),
    data: { object },
    livemode: options.livemode ?? false,
    pending_webhooks: 1,
    request: { id: stripeId('req'), idempotency_key: randomBytes(16).toString('hex') },
    type,
  };
  return event as unknown as T;
}

const PAYMENT_INTENT_STATUS: Record<PaymentIntentEventType, Stripe.PaymentIntent.Status> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'requires_payment_method',
  'payment_intent.canceled': 'canceled',
};

export function paymentIntent(
  type: PaymentIntentEventType,
  options: StripeEventOptions = {},
): Stripe.PaymentIntent {
  const amount = options.amount ?? 2000;
  const succeeded = type === 'payment_intent.succeeded';
  const created = nowSeconds() - 60;
  return {
    id: stripeId('pi'),
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: succeeded ? amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: type === 'payment_intent.canceled' ? nowSeconds() : null,
    cancellation_reason: type === 'payment_intent.canceled' ? 'requested_by_customer' : null,
    capture_method: 'automatic_async',
    client_secret: `${stripeId('pi')}_secret_${randomBytes(12).toString('base64url')}`,
    confirmation_method: 'automatic',
    created,
    currency: options.currency ?? 'usd',
    customer: null,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error:
      type === 'payment_intent.payment_failed'
        ? {
            code: 'card_declined',
            decline_code: 'generic_decline',
            doc_url: 'https://stripe.com/docs/error-codes/card-declined',
            message: 'Your card was declined.',
            type: 'card_error',
          }
        : null,
    latest_charge: succeeded ? stripeId('ch') : null,
    livemode: options.livemode ?? false,
    managed_payments: null,
    metadata: metadataOf(options),
    next_action: null,
    on_behalf_of: null,
    payment_method: succeeded ? stripeId('pm') : null,
    payment_method_configuration_details: { id: stripeId('pmc'), parent: null },
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: PAYMENT_INTENT_STATUS[type],
    transfer_data: null,
    transfer_group: null,
  };
}

export function paymentIntentEvent(
  type: PaymentIntentEventType,
  options: StripeEventOptions = {},
): Stripe.Event {
  return envelope<Stripe.PaymentIntentSucceededEvent>(
    type as 'payment_intent.succeeded',
    paymentIntent(type, options),
    options,
  );
}

export function checkoutSession(
  type: CheckoutSessionEventType,
  options: StripeEventOptions = {},
): Stripe.Checkout.Session {
  const amount = options.amount ?? 2000;
  const expired = type === 'checkout.session.expired';
  const failed = type === 'checkout.session.async_payment_failed';
  const created = nowSeconds() - 120;
  return {
    id: stripeId('cs_test'),
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: amount,
    amount_total: amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: null,
    client_reference_id: options.clientReferenceId ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: options.currency ?? 'usd',
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: null,
    customer_account: null,
    customer_creation: 'if_required',
    customer_details: expired
      ? null
      : {
          address: null,
          business_name: null,
          email: 'jenny.rosen@example.com',
          individual_name: null,
          name: 'Jenny Rosen',
          phone: null,
          tax_exempt: 'none',
          tax_ids: [],
        },
    customer_email: null,
    discounts: [],
    expires_at: created + 86_400,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: null,
        metadata: {},
        rendering_options: null,
      },
    },
    livemode: options.livemode ?? false,
    locale: null,
    managed_payments: null,
    metadata: metadataOf(options),
    mode: 'payment',
    origin_context: null,
    payment_intent: expired ? null : stripeId('pi'),
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: options.paymentStatus ?? (expired || failed ? 'unpaid' : 'paid'),
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: expired ? 'expired' : 'complete',
    submit_type: null,
    subscription: null,
    success_url: 'https://example.com/success',
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: null,
    wallet_options: null,
  };
}

export function checkoutSessionEvent(
  type: CheckoutSessionEventType,
  options: StripeEventOptions = {},
): Stripe.Event {
  return envelope<Stripe.CheckoutSessionCompletedEvent>(
    type as 'checkout.session.completed',
    checkoutSession(type, options),
    options,
  );
}

/** An event type the webhook does not act on, from the same Stripe account. */
export function customerCreatedEvent(options: StripeEventOptions = {}): Stripe.Event {
  const customer: Stripe.Customer = {
    id: stripeId('cus'),
    object: 'customer',
    balance: 0,
    created: nowSeconds(),
    currency: null,
    customer_account: null,
    default_source: null,
    description: null,
    email: 'jennyrosen@example.com',
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: options.livemode ?? false,
    metadata: metadataOf(options),
    name: 'Jenny Rosen',
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  return envelope<Stripe.CustomerCreatedEvent>('customer.created', customer, options);
}

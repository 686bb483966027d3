/**
 * OpenAPI request examples of Stripe's event objects, cut to the fields the webhook reads
 * plus the envelope (a real delivery carries the whole PaymentIntent or Checkout Session).
 */
const envelope = (id: string, type: string, object: Record<string, unknown>) => ({
  id,
  object: 'event',
  api_version: '2026-10-28.endive',
  created: 1764158400,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: 'req_8Hu7xvD3CnRbXh', idempotency_key: '5fd2b9f4-7b6f-4a3c-9c3e-2f1d4a1c0b7e' },
  type,
});

export const stripeEventExamples = {
  'Stripe payment_intent.succeeded': {
    summary: 'Stripe: a PaymentIntent created with metadata.order_id succeeded',
    value: envelope('evt_3MtwBwLkdIwHu7ix0zyj6t3R', 'payment_intent.succeeded', {
      id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      object: 'payment_intent',
      amount: 49995,
      amount_received: 49995,
      currency: 'usd',
      metadata: { order_id: '1' },
      status: 'succeeded',
      livemode: false,
    }),
  },
  'Stripe checkout.session.completed': {
    summary: 'Stripe: a Checkout Session created with client_reference_id was paid',
    value: envelope('evt_1NG8Du2eZvKYlo2CUI79vXWy', 'checkout.session.completed', {
      id: 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY',
      object: 'checkout.session',
      amount_total: 49995,
      currency: 'usd',
      client_reference_id: '1',
      metadata: {},
      mode: 'payment',
      payment_status: 'paid',
      status: 'complete',
      livemode: false,
    }),
  },
};

import Stripe from 'stripe';
import type TestAgent from 'supertest/lib/agent';
// test-settings, not test-app: bench/chaos signs with this file without loading the app.
import { TEST_WEBHOOK_SECRET } from './test-settings';

// Only the offline signing helper is used; no request ever goes to Stripe.
const stripe = new Stripe('sk_test_offline');

export interface WebhookBody {
  event_id: string;
  order_id: number;
  status: string;
}

/** A Stripe-Signature header produced by Stripe's own SDK. */
export function signatureFor(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? TEST_WEBHOOK_SECRET,
    timestamp: options.timestamp,
  });
}

/** Sends a correctly signed webhook (the original body or a Stripe event), as a payment provider would. */
export function sendWebhook(http: TestAgent, body: WebhookBody | object) {
  const payload = JSON.stringify(body);
  return http
    .post('/api/payments/webhook')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', signatureFor(payload))
    .send(payload);
}

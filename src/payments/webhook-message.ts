import type { PaymentEventReason } from './payment-event.entity';
import type { WebhookOutcome } from './payments.service';

const IGNORED: Readonly<
  Record<PaymentEventReason, (outcome: WebhookOutcome, eventType: string | null) => string>
> = {
  order_settled: ({ order }) => `Event ignored: order already ${order?.status}`,
  unhandled_type: (_outcome, eventType) => `Event ignored: ${eventType} does not settle an order`,
  not_paid: () =>
    'Event ignored: the Checkout Session is not paid yet; its async_payment_succeeded or async_payment_failed event settles the order',
  no_order_reference: () =>
    'Event ignored: it names no order (set metadata.order_id, or client_reference_id on a Checkout Session)',
  amount_mismatch: () =>
    "Event ignored: the amount or currency paid differs from the order's; the order stays pending for an operator",
  attempt_failed: ({ order }) =>
    order?.status === 'pending'
      ? 'Event recorded: a payment attempt failed; the order stays pending, so the buyer can pay again'
      : `Event recorded: a payment attempt failed; the order is already ${order?.status} and unchanged`,
  paid_after_cancellation: ({ order }) =>
    `Event recorded: the order was already cancelled (${order?.cancelReason}); an operator must refund the payment or restore the order`,
};

/** The `message` of a webhook's 200 answer: what happened, and for an ignored event, why. */
export function webhookMessage(outcome: WebhookOutcome, eventType: string | null): string {
  if (outcome.kind === 'processed') return 'Payment processed';
  if (outcome.kind === 'duplicate') return 'Webhook already processed';
  return IGNORED[outcome.reason ?? 'order_settled'](outcome, eventType);
}

import type { PaymentStatus } from '../orders/order-status';
import type { Charged } from './minor-units';
import type { PaymentEventReason } from './payment-event.entity';

/**
 * What a webhook delivery asks for, whichever body shape carried it. settle: move an order
 * (the original body always; a Stripe event when it is a payment outcome for one of our
 * orders). attempt_failed: a declined payment attempt for one of our orders, recorded once
 * against it while the order stays pending (the buyer may pay again). acknowledge: record the
 * event once and change nothing.
 */
export type PaymentNotice = SettleNotice | AttemptFailedNotice | AcknowledgeNotice;

interface NoticeBase {
  eventId: string;
  /** Stripe's event type; null for the original body. */
  eventType: string | null;
  /** Stripe's livemode (logged); null for the original body. */
  livemode: boolean | null;
}

export interface SettleNotice extends NoticeBase {
  kind: 'settle';
  orderId: number;
  status: PaymentStatus;
  /** What a Stripe success event reports; checked against the order before it completes. */
  charged: Charged | null;
}

export interface AttemptFailedNotice extends NoticeBase {
  kind: 'attempt_failed';
  eventType: string;
  orderId: number;
  status: null;
  /** Stripe's `last_payment_error.code` (card_declined...), null when it sent none. */
  errorCode: string | null;
}

export interface AcknowledgeNotice extends NoticeBase {
  kind: 'acknowledge';
  eventType: string;
  status: PaymentStatus | null;
  reason: Extract<PaymentEventReason, 'unhandled_type' | 'not_paid' | 'no_order_reference'>;
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { timestampColumn } from '../database/columns';
import type { PaymentStatus } from '../orders/order-status';

/** applied: moved the order; ignored: acknowledged and recorded, changed nothing (see `reason`). */
export type PaymentEventOutcome = 'applied' | 'ignored';

/**
 * Why an ignored event changed nothing. order_settled: another event settled the order first.
 * unhandled_type: a Stripe event type that settles no order. not_paid: a completed Checkout
 * Session whose payment is still pending. no_order_reference: no metadata.order_id or
 * client_reference_id. amount_mismatch: a success event for another amount or currency.
 * paid_after_cancellation: a success event for an order already cancelled (payment timeout or
 * an earlier failed payment); the customer was charged and an operator must refund or restore.
 * attempt_failed: a declined payment attempt (payment_intent.payment_failed); the order stays
 * pending, since the buyer may pay again on the same PaymentIntent.
 */
export type PaymentEventReason =
  | 'order_settled'
  | 'unhandled_type'
  | 'not_paid'
  | 'no_order_reference'
  | 'amount_mismatch'
  | 'paid_after_cancellation'
  | 'attempt_failed';

/** BIGINT comes back as a string from mysql2. */
const bigintNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** Every webhook event that was applied or acknowledged. UNIQUE(event_id) makes delivery idempotent. */
@Entity('payment_events')
export class PaymentEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  /** Null for a Stripe event that names no order of ours. */
  @Column({ name: 'order_id', type: 'int', nullable: true })
  orderId: number | null;

  /** Null for a Stripe event type that is not a payment outcome. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  status: PaymentStatus | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: PaymentEventOutcome;

  @Column({ type: 'varchar', length: 32, nullable: true })
  reason: PaymentEventReason | null;

  /** Stripe's event type; null for the original body. */
  @Column({ name: 'event_type', type: 'varchar', length: 255, nullable: true })
  eventType: string | null;

  /** What a Stripe success event reported, in the currency's smallest unit. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  amount: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency: string | null;

  /** sha256 of the raw request body, for audits of what the provider actually sent. */
  @Column({ name: 'payload_hash', type: 'varchar', length: 64 })
  payloadHash: string;

  @Column({ name: 'received_at', ...timestampColumn })
  receivedAt: Date;
}

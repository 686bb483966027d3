import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { timestampColumn } from '../database/columns';
import type { PaymentStatus } from '../orders/order-status';

/** applied: moved the order; ignored: the order was already settled by another event. */
export type PaymentEventOutcome = 'applied' | 'ignored';

/** Every webhook event that was applied or acknowledged. UNIQUE(event_id) makes delivery idempotent. */
@Entity('payment_events')
export class PaymentEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  @Column({ name: 'order_id', type: 'int' })
  orderId: number;

  @Column({ type: 'varchar', length: 16 })
  status: PaymentStatus;

  @Column({ type: 'varchar', length: 16 })
  outcome: PaymentEventOutcome;

  /** sha256 of the raw request body, for audits of what the provider actually sent. */
  @Column({ name: 'payload_hash', type: 'varchar', length: 64 })
  payloadHash: string;

  @Column({ name: 'received_at', ...timestampColumn })
  receivedAt: Date;
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { decimalString, timestampColumn } from '../database/columns';
import type { CancelReason, OrderStatus } from './order-status';

@Entity('orders')
export class Order {
  @PrimaryGeneratedColumn()
  id: number;

  /** UNIQUE: a hold becomes at most one order, whatever the concurrency. */
  @Column({ name: 'hold_id', type: 'int' })
  holdId: number;

  @Column({ name: 'product_id', type: 'int' })
  productId: number;

  /** The storefront's reference for the buyer (binary collation: compared exactly); null when not given. */
  @Column({ name: 'customer_id', type: 'varchar', length: 255, nullable: true })
  customerId: string | null;

  @Column({ type: 'int' })
  quantity: number;

  /** price x quantity at the time the order was created. */
  @Column({ type: 'decimal', precision: 10, scale: 2, transformer: decimalString })
  amount: string;

  @Column({ type: 'varchar', length: 16 })
  status: OrderStatus;

  /** payment_failed or payment_timeout when cancelled, null otherwise (CHECK in the schema). */
  @Column({ name: 'cancel_reason', type: 'varchar', length: 16, nullable: true })
  cancelReason: CancelReason | null;

  /** The payment event that settled the order (null while pending). */
  @Column({ name: 'payment_idempotency_key', type: 'varchar', length: 255, nullable: true })
  paymentIdempotencyKey: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}

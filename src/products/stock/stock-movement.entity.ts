import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { timestampColumn } from '../../database/columns';

/**
 * restock / removal: an operator's stock change (the initial stock is a restock).
 * operator_cancel: an order an operator cancelled gave its units back. restore: an order paid
 * after cancellation, restored by an operator, took its units again.
 */
export const STOCK_MOVEMENT_KINDS = ['restock', 'removal', 'operator_cancel', 'restore'] as const;
export type StockMovementKind = (typeof STOCK_MOVEMENT_KINDS)[number];

/**
 * One line of the stock ledger: a change of a product's stock that is kept for the record (today an
 * operator's initial stock, restock or removal, or an order an operator cancelled or restored).
 * Written by ProductStock only.
 */
@Entity('stock_movements')
export class StockMovement {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'product_id', type: 'int' })
  productId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: StockMovementKind;

  /** Units added (> 0) or removed (< 0); never 0. */
  @Column({ type: 'int' })
  delta: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason: string | null;

  /** The ADMIN_API_TOKEN name that made the change (`admin` for a bare token). */
  @Column({ type: 'varchar', length: 40, nullable: true })
  actor: string | null;

  /** The order an operator cancelled or restored; null for a restock or removal. */
  @Column({ name: 'order_id', type: 'int', nullable: true })
  orderId: number | null;

  /** The product's stock right after the movement. */
  @Column({ name: 'total_stock', type: 'int' })
  totalStock: number;

  @Column({ name: 'available_stock', type: 'int' })
  availableStock: number;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { timestampColumn } from '../../database/columns';

/**
 * One line of the stock ledger: a change of a product's stock that is kept for the record (today an
 * operator's initial stock, restock or removal). Written by ProductStock only.
 */
@Entity('stock_movements')
export class StockMovement {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'product_id', type: 'int' })
  productId: number;

  /** Units added (> 0) or removed (< 0); never 0. */
  @Column({ type: 'int' })
  delta: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason: string | null;

  /** The product's stock right after the movement. */
  @Column({ name: 'total_stock', type: 'int' })
  totalStock: number;

  @Column({ name: 'available_stock', type: 'int' })
  availableStock: number;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}

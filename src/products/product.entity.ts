import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { decimalString, timestampColumn } from '../database/columns';

@Entity('products')
export class Product {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ name: 'total_stock', type: 'int' })
  totalStock: number;

  /** Units not reserved by an active hold or a live order. CHECK: 0 <= available <= total. */
  @Column({ name: 'available_stock', type: 'int' })
  availableStock: number;

  @Column({ type: 'decimal', precision: 10, scale: 2, transformer: decimalString })
  price: string;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}

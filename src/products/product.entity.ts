import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { decimalString, timestampColumn } from '../database/columns';
import type { ProductStatus } from './product-status';

@Entity('products')
export class Product {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** draft | live | archived (CHECK); only live products are public. */
  @Column({ type: 'varchar', length: 16 })
  status: ProductStatus;

  @Column({ name: 'total_stock', type: 'int' })
  totalStock: number;

  /** Units not reserved by an active hold or a live order. CHECK: 0 <= available <= total. */
  @Column({ name: 'available_stock', type: 'int' })
  availableStock: number;

  @Column({ type: 'decimal', precision: 10, scale: 2, transformer: decimalString })
  price: string;

  /** Holds before this instant are refused (SALE_NOT_STARTED); null: on sale from creation. */
  @Column({ name: 'sale_starts_at', ...timestampColumn, nullable: true })
  saleStartsAt: Date | null;

  /** Holds at or after this instant are refused (SALE_ENDED); null: no end. */
  @Column({ name: 'sale_ends_at', ...timestampColumn, nullable: true })
  saleEndsAt: Date | null;

  /** Most units one customer may have in active holds and live orders; null: no limit. */
  @Column({ name: 'max_per_customer', type: 'int', nullable: true })
  maxPerCustomer: number | null;

  /** A waiting room guards the holds (issue 24): POST /api/holds needs an Admission-Token. */
  @Column({ name: 'queue_enabled', type: 'boolean', default: false })
  queueEnabled: boolean;

  /** Admissions per minute, spread evenly (1 to 1,000,000). */
  @Column({ name: 'queue_admit_per_minute', type: 'int', default: 600 })
  queueAdmitPerMinute: number;

  /** How long an admission is good for (30 to 3600). */
  @Column({ name: 'queue_admission_seconds', type: 'int', default: 300 })
  queueAdmissionSeconds: number;

  /** The draw's secret seed (64 hex), revealed from sale_starts_at on; null: no draw (first come first served). */
  @Column({ name: 'queue_seed', type: 'varchar', length: 64, nullable: true })
  queueSeed: string | null;

  /** sha256hex(queue_seed), public from the moment the queue is enabled. */
  @Column({ name: 'queue_commitment', type: 'varchar', length: 64, nullable: true })
  queueCommitment: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'updated_at', ...timestampColumn })
  updatedAt: Date;
}

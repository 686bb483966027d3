import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { timestampColumn } from '../database/columns';

@Entity('holds')
export class Hold {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'product_id', type: 'int' })
  productId: number;

  @Column({ type: 'int' })
  quantity: number;

  /** The storefront's reference for the buyer (binary collation: compared exactly); null when not given. */
  @Column({ name: 'customer_id', type: 'varchar', length: 255, nullable: true })
  customerId: string | null;

  @Column({ name: 'hold_expires_at', ...timestampColumn })
  holdExpiresAt: Date;

  /** Set once when the stock went back to the product (expiry). Never set together with usedAt. */
  @Column({ name: 'released_at', ...timestampColumn, nullable: true })
  releasedAt: Date | null;

  /** Set once when the hold became an order. */
  @Column({ name: 'used_at', ...timestampColumn, nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}

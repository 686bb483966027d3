import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { timestampColumn } from '../database/columns';
import type { IdempotencyScope } from './idempotency.rules';

/** One Idempotency-Key of one route, with the answer its first request got. */
@Entity('idempotency_keys')
export class IdempotencyRecord {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 32 })
  scope: IdempotencyScope;

  /** The body's customer_id, or '' when it carried none: keys are unique per route and customer. */
  @Column({ name: 'customer_id', type: 'varchar', length: 255, default: '' })
  customerId: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 })
  key: string;

  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash: string;

  @Column({ name: 'response_status', type: 'int', nullable: true })
  responseStatus: number | null;

  /** The JSON body exactly as it was answered. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;
}

import { ApiProperty } from '@nestjs/swagger';
import type { TicketView } from '../ticket-view';
import type { DrawResult, QueueSummary } from '../waiting-room.service';

const STATUSES = ['prequeue', 'waiting', 'admitted', 'sold_out', 'expired'];

export class TicketResponseDto implements TicketView {
  @ApiProperty({
    description: 'At least 128 random bits, URL-safe: the bearer of the place',
    example: 'Xb1kq3JxY0u1b8v9Zk2LmNoP',
  })
  ticket_id: string;
  @ApiProperty({ type: 'integer', example: 2 }) product_id: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'In the join answer only; null in reads',
    example: 'cus_42',
  })
  customer_id: string | null;
  @ApiProperty({ description: 'sha256hex(nonce)', pattern: '^[0-9a-f]{64}$' }) entry_hash: string;
  @ApiProperty({ enum: STATUSES, example: 'waiting' }) status: TicketView['status'];
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Fixed place (1 = first); null in the pre-queue',
    example: 17,
  })
  position: number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Tickets still waiting before it',
    example: 3,
  })
  ahead: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 1 }) estimated_wait_seconds: number | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'For POST /api/holds (Admission-Token)',
    example: null,
  })
  admission_token: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  admission_expires_at: string | null;
}

export class QueueSummaryDto implements QueueSummary {
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ type: 'integer', description: 'Tickets in the pre-queue and the line', example: 1200 })
  waiting: number;
  @ApiProperty({ type: 'integer', description: 'Admitted so far', example: 340 }) admitted: number;
  @ApiProperty({ type: 'integer', example: 600 }) admit_per_minute: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'sha256hex(seed), published when enabled',
    example: null,
  })
  commitment: string | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Revealed from sale_starts_at on',
    example: null,
  })
  seed: string | null;
}

export class QueueDrawDto implements DrawResult {
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) seed: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) commitment: string;
  @ApiProperty({ type: [String], description: 'Every pre-queue entry_hash in drawn order' })
  tickets: string[];
}

const HASH = '5d1e8c0f3b7a9e2d4c6b8a0f1e3d5c7b9a1f2e4d6c8b0a2f4e6d8c0b2a4f6e8d';
export const TICKET_EXAMPLE: TicketView = {
  ticket_id: 'Xb1kq3JxY0u1b8v9Zk2LmNoP',
  product_id: 2,
  customer_id: 'cus_42',
  entry_hash: HASH,
  status: 'waiting',
  position: 17,
  ahead: 3,
  estimated_wait_seconds: 1,
  admission_token: null,
  admission_expires_at: null,
};
export const SUMMARY_EXAMPLE: QueueSummary = {
  enabled: true,
  waiting: 1200,
  admitted: 340,
  admit_per_minute: 600,
  commitment: HASH,
  seed: null,
};
export const DRAW_EXAMPLE: DrawResult = { seed: HASH, commitment: HASH, tickets: [HASH] };

import { ApiProperty } from '@nestjs/swagger';
import { success, SuccessEnvelope } from '../../common/http/envelope';
import type { Hold } from '../hold.entity';
import { holdStatus, HoldStatus } from '../hold.rules';

const HOLD_STATUSES: HoldStatus[] = ['active', 'expired', 'used'];
const AT = { type: 'string', format: 'date-time', example: '2026-11-26T12:02:00.000Z' } as const;

/** The answer to POST /api/holds, with the original's `hold_id` field name. */
export class CreatedHoldResponseDto {
  @ApiProperty({ type: 'integer', example: 1 })
  hold_id: number;

  @ApiProperty({ type: 'integer', example: 1 })
  product_id: number;

  @ApiProperty({ type: 'integer', example: 5 })
  quantity: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The customer reference the hold was taken for',
    example: null,
  })
  customer_id: string | null;

  @ApiProperty({ enum: ['active'], example: 'active' })
  status: 'active';

  @ApiProperty({ ...AT, description: 'The stock is reserved until then (HOLD_TTL_SECONDS after creation)' })
  hold_expires_at: string;

  static from(hold: Hold): CreatedHoldResponseDto {
    return {
      hold_id: hold.id,
      product_id: hold.productId,
      quantity: hold.quantity,
      customer_id: hold.customerId,
      status: 'active',
      hold_expires_at: hold.holdExpiresAt.toISOString(),
    };
  }
}

/** The 201 body of POST /api/holds: what the route answers and what an Idempotency-Key stores. */
export function createdHoldAnswer(hold: Hold): SuccessEnvelope<CreatedHoldResponseDto> {
  return success(CreatedHoldResponseDto.from(hold));
}

export class HoldResponseDto {
  @ApiProperty({ type: 'integer', example: 1 })
  id: number;

  @ApiProperty({ type: 'integer', example: 1 })
  product_id: number;

  @ApiProperty({ type: 'integer', example: 5 })
  quantity: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'The customer the hold was taken for, shown to its verified buyer (BUYER_AUTH=jwt); null in reads with BUYER_AUTH=off, where anyone may read',
    example: null,
  })
  customer_id: string | null;

  @ApiProperty({
    enum: HOLD_STATUSES,
    description: 'expired follows from the clock, even before the release has run',
    example: 'active',
  })
  status: HoldStatus;

  @ApiProperty(AT)
  hold_expires_at: string;

  @ApiProperty({ ...AT, nullable: true, description: 'Set once its stock went back', example: null })
  released_at: string | null;

  @ApiProperty({ ...AT, nullable: true, description: 'Set once it became an order', example: null })
  used_at: string | null;

  @ApiProperty({ ...AT, example: '2026-11-26T12:00:00.000Z' })
  created_at: string;

  /**
   * `revealCustomer`: the reader is the hold's own verified buyer. Otherwise (BUYER_AUTH=off,
   * anyone may read) customer_id is null: no anonymous read reveals a buyer's id.
   */
  static from(hold: Hold, now: Date, revealCustomer: boolean): HoldResponseDto {
    return {
      id: hold.id,
      product_id: hold.productId,
      quantity: hold.quantity,
      customer_id: revealCustomer ? hold.customerId : null,
      status: holdStatus(hold, now),
      hold_expires_at: hold.holdExpiresAt.toISOString(),
      released_at: hold.releasedAt?.toISOString() ?? null,
      used_at: hold.usedAt?.toISOString() ?? null,
      created_at: hold.createdAt.toISOString(),
    };
  }
}

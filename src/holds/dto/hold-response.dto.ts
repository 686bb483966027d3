import type { Hold } from '../hold.entity';
import { holdStatus, HoldStatus } from '../hold.rules';

/** The answer to POST /api/holds, with the original's `hold_id` field name. */
export class CreatedHoldResponseDto {
  hold_id: number;
  product_id: number;
  quantity: number;
  status: 'active';
  hold_expires_at: string;

  static from(hold: Hold): CreatedHoldResponseDto {
    return {
      hold_id: hold.id,
      product_id: hold.productId,
      quantity: hold.quantity,
      status: 'active',
      hold_expires_at: hold.holdExpiresAt.toISOString(),
    };
  }
}

export class HoldResponseDto {
  id: number;
  product_id: number;
  quantity: number;
  status: HoldStatus;
  hold_expires_at: string;
  released_at: string | null;
  used_at: string | null;
  created_at: string;

  static from(hold: Hold, now: Date): HoldResponseDto {
    return {
      id: hold.id,
      product_id: hold.productId,
      quantity: hold.quantity,
      status: holdStatus(hold, now),
      hold_expires_at: hold.holdExpiresAt.toISOString(),
      released_at: hold.releasedAt?.toISOString() ?? null,
      used_at: hold.usedAt?.toISOString() ?? null,
      created_at: hold.createdAt.toISOString(),
    };
  }
}

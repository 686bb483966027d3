import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class CreateHoldDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  product_id: number;

  /** The upper bound is MAX_HOLD_QUANTITY, checked by the service (it is configuration). */
  @ApiProperty({ type: 'integer', minimum: 1, description: 'At most MAX_HOLD_QUANTITY (default 100)', example: 5 })
  @IsInt()
  @Min(1)
  quantity: number;
}

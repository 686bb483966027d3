import { IsInt, Max, Min } from 'class-validator';

export class CreateHoldDto {
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  product_id: number;

  /** The upper bound is MAX_HOLD_QUANTITY, checked by the service (it is configuration). */
  @IsInt()
  @Min(1)
  quantity: number;
}

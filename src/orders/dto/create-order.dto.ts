import { IsInt, Max, Min } from 'class-validator';

export class CreateOrderDto {
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  hold_id: number;
}

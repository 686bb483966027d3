import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class CreateOrderDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'An active hold, used once', example: 1 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  hold_id: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, NotEquals } from 'class-validator';
import { MAX_TOTAL_STOCK } from './admin-validators';

export class AdjustStockDto {
  @ApiProperty({
    type: 'integer',
    minimum: -MAX_TOTAL_STOCK,
    maximum: MAX_TOTAL_STOCK,
    description:
      'Units to add (> 0: total and available grow together) or remove (< 0: only available units; ' +
      'refused with 409 INSUFFICIENT_STOCK when fewer are available)',
    example: 250,
  })
  @IsInt()
  @NotEquals(0, { message: 'delta must not be 0' })
  @Min(-MAX_TOTAL_STOCK)
  @Max(MAX_TOTAL_STOCK)
  delta: number;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: 255,
    nullable: true,
    description: 'Kept in the stock movement log',
    example: 'second shipment',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  reason?: string | null;
}

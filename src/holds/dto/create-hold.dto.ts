import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CUSTOMER_ID_PATTERN } from '../../common/customer-id';

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

  @ApiPropertyOptional({
    type: 'string',
    pattern: CUSTOMER_ID_PATTERN.source,
    maxLength: 64,
    description:
      "The storefront's reference for the buyer, sent by the storefront's backend (not the browser). Required when the " +
      'product has max_per_customer; compared exactly (case-sensitive).',
    example: 'cus_42',
  })
  @IsOptional()
  @IsString()
  @Matches(CUSTOMER_ID_PATTERN, { message: 'customer_id must be 1 to 64 of A-Z a-z 0-9 _ - . : @' })
  customer_id?: string;
}

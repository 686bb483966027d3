import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { PRODUCT_STATUSES, ProductStatus } from '../../products/product-status';
import {
  IsAbsent,
  IsAfterField,
  IsPrice,
  IsSaleInstant,
  MAX_TOTAL_STOCK,
  QUEUE_ADMISSION_SECONDS,
  QUEUE_RATE,
} from './admin-validators';

const INSTANT = { type: 'string', format: 'date-time', nullable: true } as const;
const USE_STOCK_ROUTE =
  'stock changes go through POST /api/admin/products/:id/stock, which keeps every unit accounted for';

/**
 * Any of the product's details. `null` clears a window bound or the limit; name and price
 * cannot be null (ValidateIf instead of IsOptional, which would let null through).
 */
export class UpdateProductDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255, example: 'Sneaker drop, size 42' })
  @ValidateIf((body: UpdateProductDto) => body.name !== undefined)
  @IsString()
  @Length(1, 255)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', pattern: '^\\d{1,8}(\\.\\d{1,2})?$' },
      { type: 'number', minimum: 0, maximum: 99999999.99 },
    ],
    description: 'Applies to orders created afterwards; existing orders keep their amount',
    example: '99.90',
  })
  @ValidateIf((body: UpdateProductDto) => body.price !== undefined)
  @IsPrice()
  price?: string | number;

  @ApiPropertyOptional({
    ...INSTANT,
    description: 'null: on sale now (no start)',
    example: '2026-12-01T09:00:00Z',
  })
  @IsOptional()
  @IsSaleInstant()
  sale_starts_at?: string | null;

  @ApiPropertyOptional({ ...INSTANT, description: 'null: no end', example: '2026-12-01T11:00:00Z' })
  @IsOptional()
  @IsSaleInstant()
  @IsAfterField('sale_starts_at')
  sale_ends_at?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_TOTAL_STOCK,
    nullable: true,
    description: 'null: no limit',
    example: 3,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TOTAL_STOCK)
  max_per_customer?: number | null;

  @ApiPropertyOptional({
    enum: PRODUCT_STATUSES,
    description:
      'Publish a draft with live (readable and holdable at once). draft: prepared, invisible to buyers (404 on every public route); live: on sale; archived: taken off the shop',
    example: 'live',
  })
  @ValidateIf((body: UpdateProductDto) => body.status !== undefined)
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @ApiPropertyOptional({
    description: 'A waiting room guards the holds; needs max_per_customer',
    default: false,
    example: false,
  })
  @ValidateIf((body: UpdateProductDto) => body.queue_enabled !== undefined)
  @IsBoolean()
  queue_enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, default: 600, example: 600 })
  @ValidateIf((body: UpdateProductDto) => body.queue_admit_per_minute !== undefined)
  @IsInt()
  @Min(QUEUE_RATE.min)
  @Max(QUEUE_RATE.max)
  queue_admit_per_minute?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 30,
    maximum: 3600,
    default: 300,
    description: 'How long an admission is good for',
    example: 300,
  })
  @ValidateIf((body: UpdateProductDto) => body.queue_admission_seconds !== undefined)
  @IsInt()
  @Min(QUEUE_ADMISSION_SECONDS.min)
  @Max(QUEUE_ADMISSION_SECONDS.max)
  queue_admission_seconds?: number;

  @IsAbsent(USE_STOCK_ROUTE)
  total_stock?: never;

  @IsAbsent(USE_STOCK_ROUTE)
  available_stock?: never;
}

export const UPDATABLE_FIELDS = [
  'name',
  'price',
  'sale_starts_at',
  'sale_ends_at',
  'max_per_customer',
  'status',
  'queue_enabled',
  'queue_admit_per_minute',
  'queue_admission_seconds',
] as const;

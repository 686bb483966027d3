import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  IsAfterField,
  IsPrice,
  IsSaleInstant,
  MAX_TOTAL_STOCK,
  QUEUE_ADMISSION_SECONDS,
  QUEUE_RATE,
} from './admin-validators';

const INSTANT = { type: 'string', format: 'date-time', nullable: true } as const;

export class CreateProductDto {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'Sneaker drop, size 42' })
  @IsString()
  @Length(1, 255)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({
    oneOf: [
      { type: 'string', pattern: '^\\d{1,8}(\\.\\d{1,2})?$' },
      { type: 'number', minimum: 0, maximum: 99999999.99 },
    ],
    description: 'Decimal string or number, 0 to 99999999.99, at most two decimals',
    example: '129.90',
  })
  @IsPrice()
  price: string | number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_TOTAL_STOCK, example: 500 })
  @IsInt()
  @Min(0)
  @Max(MAX_TOTAL_STOCK)
  total_stock: number;

  @ApiPropertyOptional({
    ...INSTANT,
    description: 'Holds before this are refused (SALE_NOT_STARTED); ISO 8601 with offset',
    example: '2026-12-01T09:00:00Z',
  })
  @IsOptional()
  @IsSaleInstant()
  sale_starts_at?: string | null;

  @ApiPropertyOptional({
    ...INSTANT,
    description: 'Holds from this on are refused (SALE_ENDED); after sale_starts_at',
    example: '2026-12-01T10:00:00Z',
  })
  @IsOptional()
  @IsSaleInstant()
  @IsAfterField('sale_starts_at')
  sale_ends_at?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_TOTAL_STOCK,
    nullable: true,
    description: 'Most units per customer; null: no limit',
    example: 2,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TOTAL_STOCK)
  max_per_customer?: number | null;

  @ApiPropertyOptional({
    enum: PRODUCT_STATUSES,
    description:
      'Default live. draft: prepared, invisible to buyers (404 on every public route); live: on sale; archived: taken off the shop',
    example: 'draft',
  })
  @ValidateIf((body: CreateProductDto) => body.status !== undefined)
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @ApiPropertyOptional({
    description: 'A waiting room guards the holds; needs max_per_customer',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  queue_enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, default: 600, example: 600 })
  @IsOptional()
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
  @IsOptional()
  @IsInt()
  @Min(QUEUE_ADMISSION_SECONDS.min)
  @Max(QUEUE_ADMISSION_SECONDS.max)
  queue_admission_seconds?: number;
}

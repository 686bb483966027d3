import { ApiProperty } from '@nestjs/swagger';
import type { Product } from '../product.entity';

export class ProductResponseDto {
  @ApiProperty({ type: 'integer', example: 1 })
  id: number;

  @ApiProperty({ example: 'Limited Edition Flash Sale Item' })
  name: string;

  @ApiProperty({ type: 'integer', example: 200 })
  total_stock: number;

  @ApiProperty({
    type: 'integer',
    description: 'Units not reserved by an active hold or a live order',
    example: 100,
  })
  available_stock: number;

  @ApiProperty({ description: 'Decimal string, 2 places', pattern: '^\\d+\\.\\d{2}$', example: '99.99' })
  price: string;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'Holds before this are refused (SALE_NOT_STARTED)',
    example: null,
  })
  sale_starts_at: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'Holds from this instant on are refused (SALE_ENDED)',
    example: null,
  })
  sale_ends_at: string | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Most units one customer may hold or have ordered; null: no limit',
    example: null,
  })
  max_per_customer: number | null;

  @ApiProperty({ description: 'A waiting room guards the holds (Admission-Token required)', example: false })
  queue_enabled: boolean;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1_000_000, example: 600 })
  queue_admit_per_minute: number;

  @ApiProperty({ type: 'integer', minimum: 30, maximum: 3600, example: 300 })
  queue_admission_seconds: number;

  static from(product: Product): ProductResponseDto {
    return {
      id: product.id,
      name: product.name,
      total_stock: product.totalStock,
      available_stock: product.availableStock,
      price: product.price,
      sale_starts_at: product.saleStartsAt?.toISOString() ?? null,
      sale_ends_at: product.saleEndsAt?.toISOString() ?? null,
      max_per_customer: product.maxPerCustomer,
      queue_enabled: product.queueEnabled,
      queue_admit_per_minute: product.queueAdmitPerMinute,
      queue_admission_seconds: product.queueAdmissionSeconds,
    };
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { PRODUCT_STATUSES, ProductStatus } from '../../products/product-status';
import type { AdminProductView } from '../admin-products.repository';

const AT = { type: 'string', format: 'date-time' } as const;

/** Where every unit of a product is: available + held + ordered_pending + sold = total. */
export class StockBreakdownDto {
  @ApiProperty({ type: 'integer', example: 480 }) available: number;
  @ApiProperty({ type: 'integer', description: 'Units in holds not used and not released', example: 12 })
  held: number;
  @ApiProperty({ type: 'integer', description: 'Units in pending orders', example: 3 })
  ordered_pending: number;
  @ApiProperty({ type: 'integer', description: 'Units in completed (paid) orders', example: 5 }) sold: number;
  @ApiProperty({ type: 'integer', example: 500 }) total: number;
}

/** The operator's view of a product: its settings and where its units are. */
export class AdminProductResponseDto {
  @ApiProperty({ type: 'integer', example: 2 }) id: number;
  @ApiProperty({ example: 'Sneaker drop, size 42' }) name: string;
  @ApiProperty({ enum: PRODUCT_STATUSES, description: 'Only live products are public', example: 'live' })
  status: ProductStatus;
  @ApiProperty({ pattern: '^\\d+\\.\\d{2}$', example: '129.90' }) price: string;
  @ApiProperty({ type: 'integer', example: 500 }) total_stock: number;
  @ApiProperty({ type: 'integer', example: 480 }) available_stock: number;
  @ApiProperty({ ...AT, nullable: true, example: '2026-12-01T09:00:00.000Z' }) sale_starts_at: string | null;
  @ApiProperty({ ...AT, nullable: true, example: '2026-12-01T10:00:00.000Z' }) sale_ends_at: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 2 }) max_per_customer: number | null;
  @ApiProperty({ example: true }) queue_enabled: boolean;
  @ApiProperty({ type: 'integer', example: 600 }) queue_admit_per_minute: number;
  @ApiProperty({ type: 'integer', example: 300 }) queue_admission_seconds: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'sha256hex of the draw seed; null: no draw',
    example: null,
  })
  queue_commitment: string | null;
  @ApiProperty({ type: StockBreakdownDto }) stock: StockBreakdownDto;
  @ApiProperty({ ...AT, example: '2026-11-30T12:00:00.000Z' }) created_at: string;
  @ApiProperty({ ...AT, example: '2026-11-30T12:00:00.000Z' }) updated_at: string;

  static from({ product, held, orderedPending, sold }: AdminProductView): AdminProductResponseDto {
    return {
      id: product.id,
      name: product.name,
      status: product.status,
      price: product.price,
      total_stock: product.totalStock,
      available_stock: product.availableStock,
      sale_starts_at: product.saleStartsAt?.toISOString() ?? null,
      sale_ends_at: product.saleEndsAt?.toISOString() ?? null,
      max_per_customer: product.maxPerCustomer,
      queue_enabled: product.queueEnabled,
      queue_admit_per_minute: product.queueAdmitPerMinute,
      queue_admission_seconds: product.queueAdmissionSeconds,
      queue_commitment: product.queueCommitment,
      stock: {
        available: product.availableStock,
        held,
        ordered_pending: orderedPending,
        sold,
        total: product.totalStock,
      },
      created_at: product.createdAt.toISOString(),
      updated_at: product.updatedAt.toISOString(),
    };
  }
}

export const ADMIN_PRODUCT_EXAMPLE = {
  id: 2,
  name: 'Sneaker drop, size 42',
  status: 'live',
  price: '129.90',
  total_stock: 500,
  available_stock: 480,
  sale_starts_at: '2026-12-01T09:00:00.000Z',
  sale_ends_at: '2026-12-01T10:00:00.000Z',
  max_per_customer: 2,
  queue_enabled: true,
  queue_admit_per_minute: 600,
  queue_admission_seconds: 300,
  queue_commitment: null,
  stock: { available: 480, held: 12, ordered_pending: 3, sold: 5, total: 500 },
  created_at: '2026-11-30T12:00:00.000Z',
  updated_at: '2026-11-30T12:00:00.000Z',
};

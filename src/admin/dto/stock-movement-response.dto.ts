import { ApiProperty } from '@nestjs/swagger';
import { LedgerLine, STOCK_MOVEMENT_KINDS, StockMovementKind } from '../../products/stock/product-stock';

/** One line of a product's stock ledger. */
export class StockMovementResponseDto {
  @ApiProperty({ type: 'integer', example: 31 }) id: number;
  @ApiProperty({ type: 'integer', example: 2 }) product_id: number;
  @ApiProperty({
    enum: STOCK_MOVEMENT_KINDS,
    description:
      'restock / removal: an operator changed the stock (the initial stock is a restock); operator_cancel: an order an operator cancelled gave its units back; restore: a restored order took its units again',
    example: 'restock',
  })
  kind: StockMovementKind;
  @ApiProperty({ type: 'integer', description: 'The change to available_stock', example: 250 }) delta: number;
  @ApiProperty({ type: 'integer', description: 'After the movement', example: 750 }) total_stock: number;
  @ApiProperty({ type: 'integer', description: 'After the movement', example: 730 }) available_stock: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The operator's text",
    example: 'second shipment',
  })
  reason: string | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The ADMIN_API_TOKEN name that made it (admin for a bare token)',
    example: 'alice',
  })
  actor: string | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The order cancelled or restored',
    example: null,
  })
  order_id: number | null;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-12-01T09:12:00.000Z' })
  created_at: string;

  static from(movement: LedgerLine): StockMovementResponseDto {
    return {
      id: movement.id,
      product_id: movement.productId,
      kind: movement.kind,
      delta: movement.delta,
      total_stock: movement.totalStock,
      available_stock: movement.availableStock,
      reason: movement.reason,
      actor: movement.actor,
      order_id: movement.orderId,
      created_at: movement.createdAt.toISOString(),
    };
  }
}

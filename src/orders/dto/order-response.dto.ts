import { ApiProperty } from '@nestjs/swagger';
import { success, SuccessEnvelope } from '../../common/http/envelope';
import type { Order } from '../order.entity';
import { CANCEL_REASONS, CancelReason, ORDER_STATUSES, OrderStatus } from '../order-status';

const AT = { type: 'string', format: 'date-time', example: '2026-11-26T12:00:30.000Z' } as const;

export class OrderResponseDto {
  @ApiProperty({ type: 'integer', example: 1 })
  id: number;

  @ApiProperty({ type: 'integer', example: 1 })
  hold_id: number;

  @ApiProperty({ type: 'integer', example: 1 })
  product_id: number;

  @ApiProperty({ type: 'integer', example: 5 })
  quantity: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      "The hold's customer: in the POST's answer and to its verified buyer (BUYER_AUTH=jwt); null in reads with BUYER_AUTH=off, where anyone may read",
    example: null,
  })
  customer_id: string | null;

  @ApiProperty({ description: 'price x quantity, decimal string', example: '499.95' })
  amount: string;

  @ApiProperty({ enum: ORDER_STATUSES, example: 'pending' })
  status: OrderStatus;

  @ApiProperty({
    type: 'string',
    enum: CANCEL_REASONS,
    nullable: true,
    description:
      'Why the order was cancelled: payment_failed (a failed payment event) or payment_timeout (no payment within ORDER_PAYMENT_TIMEOUT_SECONDS) or operator (cancelled through the admin API); null unless cancelled',
    example: null,
  })
  cancel_reason: CancelReason | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The payment event that settled the order',
    example: null,
  })
  payment_idempotency_key: string | null;

  @ApiProperty(AT)
  created_at: string;

  @ApiProperty(AT)
  updated_at: string;

  /**
   * `revealCustomer`: the reader is the order's own verified buyer, or its creator (the POST's
   * answer). Otherwise customer_id is null: no anonymous read reveals a buyer's id.
   */
  static from(order: Order, revealCustomer: boolean): OrderResponseDto {
    return {
      id: order.id,
      hold_id: order.holdId,
      product_id: order.productId,
      quantity: order.quantity,
      customer_id: revealCustomer ? order.customerId : null,
      amount: order.amount,
      status: order.status,
      cancel_reason: order.cancelReason,
      payment_idempotency_key: order.paymentIdempotencyKey,
      created_at: order.createdAt.toISOString(),
      updated_at: order.updatedAt.toISOString(),
    };
  }
}

/** The 201 body of POST /api/orders: what the route answers and what an Idempotency-Key stores. */
export function createdOrderAnswer(order: Order): SuccessEnvelope<OrderResponseDto> {
  return success(OrderResponseDto.from(order, true));
}

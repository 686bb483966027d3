import type { Order } from '../order.entity';
import type { OrderStatus } from '../order-status';

export class OrderResponseDto {
  id: number;
  hold_id: number;
  product_id: number;
  quantity: number;
  amount: string;
  status: OrderStatus;
  payment_idempotency_key: string | null;
  created_at: string;
  updated_at: string;

  static from(order: Order): OrderResponseDto {
    return {
      id: order.id,
      hold_id: order.holdId,
      product_id: order.productId,
      quantity: order.quantity,
      amount: order.amount,
      status: order.status,
      payment_idempotency_key: order.paymentIdempotencyKey,
      created_at: order.createdAt.toISOString(),
      updated_at: order.updatedAt.toISOString(),
    };
  }
}

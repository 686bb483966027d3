import { ApiProperty } from '@nestjs/swagger';
import { holdStatus, HoldStatus } from '../../holds/hold.rules';
import type { Hold } from '../../holds/hold.entity';
import {
  CANCEL_REASONS,
  CancelReason,
  ORDER_STATUSES,
  OrderStatus,
  settledStatus,
} from '../../orders/order-status';
import type { Order } from '../../orders/order.entity';
import type { PaymentEvent } from '../../payments/payment-event.entity';
import type { AdminOrderDetail, AdminOrderView } from '../admin-orders.repository';

const AT = { type: 'string', format: 'date-time', example: '2026-11-26T12:00:30.000Z' } as const;

/**
 * What the service did with a payment event. A redelivery of an event already recorded is
 * answered `duplicate` and not recorded again, so here `duplicate` is another event for an
 * order that an earlier event had already settled the same way (e.g. a second `paid`).
 */
export const PAYMENT_EVENT_OUTCOMES = [
  'applied',
  'duplicate',
  'ignored',
  'amount_mismatch',
  'paid_after_cancellation',
] as const;
export type AdminPaymentOutcome = (typeof PAYMENT_EVENT_OUTCOMES)[number];

/** The operator's view of an order: who bought it, why it was cancelled, and whether it was paid late. */
export class AdminOrderResponseDto {
  @ApiProperty({ type: 'integer', example: 7 }) id: number;
  @ApiProperty({ type: 'integer', example: 12 }) hold_id: number;
  @ApiProperty({ type: 'integer', example: 2 }) product_id: number;
  @ApiProperty({ type: 'string', nullable: true, example: 'customer-42' }) customer_id: string | null;
  @ApiProperty({ type: 'integer', example: 2 }) quantity: number;
  @ApiProperty({ description: 'price x quantity, decimal string', example: '259.80' }) amount: string;
  @ApiProperty({ enum: ORDER_STATUSES, example: 'cancelled' }) status: OrderStatus;
  @ApiProperty({ type: 'string', enum: CANCEL_REASONS, nullable: true, example: 'payment_timeout' })
  cancel_reason: CancelReason | null;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The payment event that settled the order',
    example: null,
  })
  payment_idempotency_key: string | null;
  @ApiProperty({
    description:
      'A paid event arrived after the order was cancelled: refund the customer, or restore the order',
    example: true,
  })
  paid_after_cancellation: boolean;
  @ApiProperty(AT) created_at: string;
  @ApiProperty(AT) updated_at: string;

  static from({ order, paidAfterCancellation }: AdminOrderView): AdminOrderResponseDto {
    return {
      id: order.id,
      hold_id: order.holdId,
      product_id: order.productId,
      customer_id: order.customerId,
      quantity: order.quantity,
      amount: order.amount,
      status: order.status,
      cancel_reason: order.cancelReason,
      payment_idempotency_key: order.paymentIdempotencyKey,
      paid_after_cancellation: paidAfterCancellation,
      created_at: order.createdAt.toISOString(),
      updated_at: order.updatedAt.toISOString(),
    };
  }
}

export class AdminOrderHoldDto {
  @ApiProperty({ type: 'integer', example: 12 }) id: number;
  @ApiProperty({ type: 'integer', example: 2 }) quantity: number;
  @ApiProperty({ type: 'string', nullable: true, example: 'customer-42' }) customer_id: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'used', 'released'], example: 'used' }) status:
    HoldStatus | 'released';
  @ApiProperty(AT) created_at: string;
  @ApiProperty(AT) hold_expires_at: string;
  @ApiProperty({ ...AT, nullable: true }) used_at: string | null;
  @ApiProperty({ ...AT, nullable: true }) released_at: string | null;

  static from(hold: Hold, now: Date): AdminOrderHoldDto {
    return {
      id: hold.id,
      quantity: hold.quantity,
      customer_id: hold.customerId,
      status: hold.releasedAt ? 'released' : holdStatus(hold, now),
      created_at: hold.createdAt.toISOString(),
      hold_expires_at: hold.holdExpiresAt.toISOString(),
      used_at: hold.usedAt?.toISOString() ?? null,
      released_at: hold.releasedAt?.toISOString() ?? null,
    };
  }
}

export class AdminPaymentEventDto {
  @ApiProperty({ example: 'evt_abc123' }) event_id: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "Stripe's event type; null for the original body",
    example: 'payment_intent.succeeded',
  })
  type: string | null;
  @ApiProperty({ type: 'string', enum: ['paid', 'failed'], nullable: true, example: 'paid' }) status:
    'paid' | 'failed' | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "In the currency's smallest unit, as the provider reported it",
    example: 25980,
  })
  amount: number | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'eur' }) currency: string | null;
  @ApiProperty(AT) received_at: string;
  @ApiProperty({ enum: PAYMENT_EVENT_OUTCOMES, example: 'paid_after_cancellation' })
  outcome: AdminPaymentOutcome;

  static from(event: PaymentEvent, order: Order): AdminPaymentEventDto {
    return {
      event_id: event.eventId,
      type: event.eventType,
      status: event.status,
      amount: event.amount,
      currency: event.currency,
      received_at: event.receivedAt.toISOString(),
      outcome: outcomeOf(event, order),
    };
  }
}

export class AdminOrderDetailDto extends AdminOrderResponseDto {
  @ApiProperty({ type: AdminOrderHoldDto, nullable: true }) hold: AdminOrderHoldDto | null;
  @ApiProperty({ type: AdminPaymentEventDto, isArray: true, description: 'In order of arrival' })
  payment_events: AdminPaymentEventDto[];

  static fromDetail(detail: AdminOrderDetail, now = new Date()): AdminOrderDetailDto {
    return {
      ...AdminOrderResponseDto.from(detail),
      hold: detail.hold && AdminOrderHoldDto.from(detail.hold, now),
      payment_events: detail.events.map((event) => AdminPaymentEventDto.from(event, detail.order)),
    };
  }
}

function outcomeOf(event: PaymentEvent, order: Order): AdminPaymentOutcome {
  if (event.outcome === 'applied') return 'applied';
  if (event.reason === 'amount_mismatch' || event.reason === 'paid_after_cancellation') return event.reason;
  if (event.reason === 'order_settled' && event.status && settledStatus(event.status) === order.status) {
    return 'duplicate';
  }
  return 'ignored';
}

export const ORDER_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_STATUSES = ['paid', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The only transitions an order makes: a pending order is settled once, by a payment outcome. */
const SETTLEMENT: Record<PaymentStatus, OrderStatus> = {
  paid: 'completed',
  failed: 'cancelled',
};

export function settledStatus(payment: PaymentStatus): OrderStatus {
  return SETTLEMENT[payment];
}

export function canSettle(status: OrderStatus): boolean {
  return status === 'pending';
}

export const ORDER_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Why a cancelled order was cancelled: its payment failed, no payment came in time, or an
 * operator cancelled it (POST /api/admin/orders/:id/cancel).
 */
export const CANCEL_REASONS = ['payment_failed', 'payment_timeout', 'operator'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const PAYMENT_STATUSES = ['paid', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * The only transitions an order makes: a pending order is settled once, by a payment outcome,
 * or cancelled by the sweeper when no payment came within ORDER_PAYMENT_TIMEOUT_SECONDS.
 */
const SETTLEMENT: ReadonlyMap<PaymentStatus, OrderStatus> = new Map([
  ['paid', 'completed'],
  ['failed', 'cancelled'],
]);

/** A Map: the payment status comes from a request, and must never find Object.prototype's members. */
export function settledStatus(payment: PaymentStatus): OrderStatus {
  const status = SETTLEMENT.get(payment);
  if (status === undefined) throw new Error(`Unknown payment status ${JSON.stringify(payment)}`);
  return status;
}

export function canSettle(status: OrderStatus): boolean {
  return status === 'pending';
}

/** The cancel_reason a settlement stamps on the order: null unless it cancels it. */
export function settledCancelReason(payment: PaymentStatus): CancelReason | null {
  return payment === 'failed' ? 'payment_failed' : null;
}

import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { CancelReason } from '../orders/order-status';

/** Metric names, shared by the providers and the tests. */
export const SALE_METRICS = {
  holdsCreated: 'flash_sale_holds_created_total',
  holdsRefused: 'flash_sale_holds_refused_total',
  holdsReleased: 'flash_sale_holds_released_total',
  ordersCreated: 'flash_sale_orders_created_total',
  ordersCancelled: 'flash_sale_orders_cancelled_total',
  payments: 'flash_sale_payments_total',
  sweepProductFailures: 'flash_sale_sweep_product_failures_total',
  orderTimeoutProductFailures: 'flash_sale_order_timeout_product_failures_total',
} as const;

export type PaymentOutcome =
  | 'processed'
  | 'duplicate'
  | 'ignored'
  | 'attempt_failed'
  | 'amount_mismatch'
  | 'paid_after_cancellation'
  | 'rejected';

/**
 * The business counters. Services call these next to their state-change log lines; labels
 * take values from small fixed sets (error codes, sources, outcomes), never ids.
 */
@Injectable()
export class SaleMetrics {
  constructor(
    @InjectMetric(SALE_METRICS.holdsCreated) private readonly holdsCreated: Counter,
    @InjectMetric(SALE_METRICS.holdsRefused) private readonly holdsRefused: Counter<'reason'>,
    @InjectMetric(SALE_METRICS.holdsReleased) private readonly holdsReleased: Counter<'source'>,
    @InjectMetric(SALE_METRICS.ordersCreated) private readonly ordersCreated: Counter,
    @InjectMetric(SALE_METRICS.ordersCancelled) private readonly ordersCancelled: Counter<'reason'>,
    @InjectMetric(SALE_METRICS.payments) private readonly payments: Counter<'outcome'>,
    @InjectMetric(SALE_METRICS.sweepProductFailures) private readonly sweepProductFailures: Counter,
    @InjectMetric(SALE_METRICS.orderTimeoutProductFailures)
    private readonly orderTimeoutProductFailures: Counter,
  ) {}

  holdCreated(): void {
    this.holdsCreated.inc();
  }

  /** `reason` is the refusal's error code, e.g. INSUFFICIENT_STOCK. */
  holdRefused(reason: string): void {
    this.holdsRefused.inc({ reason: reason.toLowerCase() });
  }

  holdReleased(source: string, count = 1): void {
    this.holdsReleased.inc({ source }, count);
  }

  orderCreated(): void {
    this.ordersCreated.inc();
  }

  /** `reason` is the order's cancel_reason: payment_failed, payment_timeout or operator. */
  orderCancelled(reason: CancelReason, count = 1): void {
    this.ordersCancelled.inc({ reason }, count);
  }

  payment(outcome: PaymentOutcome): void {
    this.payments.inc({ outcome });
  }

  /** A product's expired holds could not be released; the sweeper skipped it for that run. */
  sweepProductFailed(): void {
    this.sweepProductFailures.inc();
  }

  /** A product's overdue unpaid orders could not be cancelled; the payment-timeout pass skipped it for that run. */
  orderTimeoutProductFailed(): void {
    this.orderTimeoutProductFailures.inc();
  }
}

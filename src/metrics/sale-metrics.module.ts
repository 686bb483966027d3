import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { SALE_METRICS, SaleMetrics } from './sale-metrics';

/**
 * Imported by the feature modules themselves (not global), so any process that runs the
 * services (API or worker) has the counters. They live in prom-client's default registry,
 * which GET /metrics serves.
 */
@Module({
  providers: [
    makeCounterProvider({ name: SALE_METRICS.holdsCreated, help: 'Holds created' }),
    makeCounterProvider({
      name: SALE_METRICS.holdsRefused,
      help: 'Hold requests refused by the service, by reason (error code)',
      labelNames: ['reason'],
    }),
    makeCounterProvider({
      name: SALE_METRICS.holdsReleased,
      help: 'Expired holds whose stock went back, by source (job or sweeper)',
      labelNames: ['source'],
    }),
    makeCounterProvider({ name: SALE_METRICS.ordersCreated, help: 'Orders created' }),
    makeCounterProvider({
      name: SALE_METRICS.ordersCancelled,
      help: 'Orders cancelled, by reason (payment_failed, payment_timeout)',
      labelNames: ['reason'],
    }),
    makeCounterProvider({
      name: SALE_METRICS.payments,
      help: 'Payment webhooks, by outcome (processed, duplicate, ignored, attempt_failed, amount_mismatch, paid_after_cancellation, rejected)',
      labelNames: ['outcome'],
    }),
    makeCounterProvider({
      name: SALE_METRICS.sweepProductFailures,
      help: 'Products whose expired holds the sweeper could not release (skipped for that run)',
    }),
    makeCounterProvider({
      name: SALE_METRICS.orderTimeoutProductFailures,
      help: 'Products whose overdue unpaid orders the payment timeout could not cancel (skipped for that run)',
    }),
    SaleMetrics,
  ],
  exports: [SaleMetrics],
})
export class SaleMetricsModule {}

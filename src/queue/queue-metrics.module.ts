import { Module } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { ADMISSION_LAG_BUCKETS, QUEUE_METRICS, QueueMetrics } from './queue-metrics';

/** Imported by the queue and by admin (which closes a line), like SaleMetricsModule. */
@Module({
  providers: [
    makeGaugeProvider({
      name: QUEUE_METRICS.waiting,
      help: 'Tickets in the pre-queue or waiting, per product (the shared line: every process reports it, take max by product_id)',
      labelNames: ['product_id'],
    }),
    makeCounterProvider({
      name: QUEUE_METRICS.admitted,
      help: 'Tickets admitted, per product (counted by the process that admitted them)',
      labelNames: ['product_id'],
    }),
    makeCounterProvider({
      name: QUEUE_METRICS.expired,
      help: 'Waiting tickets turned expired, per product and reason (abandoned, queue_disabled)',
      labelNames: ['product_id', 'reason'],
    }),
    makeCounterProvider({
      name: QUEUE_METRICS.soldOut,
      help: 'Waiting and pre-queue tickets turned sold_out because no unit can come back, per product',
      labelNames: ['product_id'],
    }),
    makeHistogramProvider({
      name: QUEUE_METRICS.admissionLag,
      help: "Seconds from a ticket's paced admission slot to the decision that admitted it",
      buckets: ADMISSION_LAG_BUCKETS,
    }),
    QueueMetrics,
  ],
  exports: [QueueMetrics],
})
export class QueueMetricsModule {}

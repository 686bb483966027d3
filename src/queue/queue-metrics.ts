import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

export const QUEUE_METRICS = {
  waiting: 'flash_sale_queue_waiting',
  admitted: 'flash_sale_queue_admitted_total',
  expired: 'flash_sale_queue_expired_total',
  soldOut: 'flash_sale_queue_sold_out_total',
  admissionLag: 'flash_sale_queue_admission_lag_seconds',
} as const;

/** Why waiting tickets turned expired: skipped at their turn, or the admin disabled the queue. */
export type QueueExpiredReason = 'abandoned' | 'queue_disabled';

/** A pass every 250 ms admits at most that late in normal running; seconds mean the ticker is behind. */
export const ADMISSION_LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The waiting room's metrics. The counters are incremented by the process whose line step made
 * the decision (the script's result), so their sum over processes is the deployment's. The
 * waiting gauge is the shared line as every process reads it: aggregate it with max, not sum.
 */
@Injectable()
export class QueueMetrics {
  constructor(
    @InjectMetric(QUEUE_METRICS.waiting) private readonly waitingGauge: Gauge<'product_id'>,
    @InjectMetric(QUEUE_METRICS.admitted) private readonly admittedTotal: Counter<'product_id'>,
    @InjectMetric(QUEUE_METRICS.expired) private readonly expiredTotal: Counter<'product_id' | 'reason'>,
    @InjectMetric(QUEUE_METRICS.soldOut) private readonly soldOutTotal: Counter<'product_id'>,
    @InjectMetric(QUEUE_METRICS.admissionLag) private readonly admissionLag: Histogram,
  ) {}

  /**
   * The tickets in line per queued product, from one pass of the admission ticker. Replaced
   * whole and synchronously, so a scrape never sees half a pass, and a product no longer
   * queued loses its series.
   */
  waiting(counts: ReadonlyMap<number, number>): void {
    this.waitingGauge.reset();
    for (const [productId, count] of counts) this.waitingGauge.set({ product_id: String(productId) }, count);
  }

  /** `lagMs`: how long after its paced slot each ticket was admitted. */
  admitted(productId: number, lagMs: number[]): void {
    if (lagMs.length === 0) return;
    this.admittedTotal.inc({ product_id: String(productId) }, lagMs.length);
    for (const lag of lagMs) this.admissionLag.observe(Math.max(lag, 0) / 1000);
  }

  expired(productId: number, reason: QueueExpiredReason, count: number): void {
    if (count > 0) this.expiredTotal.inc({ product_id: String(productId), reason }, count);
  }

  soldOut(productId: number, count: number): void {
    if (count > 0) this.soldOutTotal.inc({ product_id: String(productId) }, count);
  }
}

import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types';
import { UnitOfWork } from '../database/unit-of-work';
import { ReturnableUnits } from '../orders/returnable-units.service';
import { LineClosing } from './closing/line-closing';
import { LineEvents } from './line-events/line-events';
import { QueueLines } from './line/queue-lines';
import { QueueMetrics } from './queue-metrics';
import { QueuedProduct, QueueStockRepository } from './queue-stock.repository';
import { WaitingRoomService } from './waiting-room.service';

/** Short enough that sold-out shows within 2 s and admissions follow a fast rate closely. */
export const TICK_MS = 250;

/**
 * Every 4th pass (once a second) also looks for open lines of products whose queue is no
 * longer enabled: a missed close is repaired within ~1 s at the cost of one small read a second.
 */
const SWEEP_EVERY_TICKS = 4;

/**
 * Every API process runs this loop; the decisions are the line's (one atomic step per product
 * per tick, in Redis or in this process), so two processes pace one shared line, never two.
 * Per tick it reads the queued products and their stock once (one query), never per admission.
 */
@Injectable()
export class AdmissionTicker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AdmissionTicker.name);
  private readonly abandonMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private passes = 0;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: QueueStockRepository,
    private readonly returnable: ReturnableUnits,
    private readonly lines: QueueLines,
    private readonly room: WaitingRoomService,
    private readonly metrics: QueueMetrics,
    private readonly events: LineEvents,
    private readonly closing: LineClosing,
    config: ConfigService<AllConfig, true>,
  ) {
    this.abandonMs = config.getOrThrow('queue', { infer: true }).abandonSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  /**
   * Stops ticking and waits for a pass in flight before the modules go: the database closes at
   * application shutdown, after this, so no pass is left holding a connection (and its
   * transaction's metadata locks) while the pool ends.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every queued product; a failing pass (database or Redis away) waits for the next tick. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      const stockReadAt = Date.now();
      const products = await this.unitOfWork.read((manager) => this.stock.findQueued(manager));
      const waiting = new Map<number, number>();
      for (const product of products) waiting.set(product.id, await this.step(product, stockReadAt));
      this.metrics.waiting(waiting);
      if (this.passes++ % SWEEP_EVERY_TICKS === 0) await this.closeStaleLines(new Set(waiting.keys()));
    } catch (error) {
      this.logger.warn({ event: 'queue.tick_failed', error: String(error) });
    }
  }

  /**
   * Closes the lines still open for products whose queue is not enabled (disabled, or the row
   * gone): the admin's close after its commit may never have run. The products just read as
   * queued are skipped; the others are read again (the queued read is capped, and a queue may
   * have been enabled since), so only a line whose product reads "not enabled" now is closed.
   */
  private async closeStaleLines(queued: ReadonlySet<number>): Promise<void> {
    const candidates = (await this.lines.openLines()).filter((id) => !queued.has(id));
    if (candidates.length === 0) return;
    const enabled = await this.unitOfWork.read((manager) =>
      this.stock.queueEnabledAmong(manager, candidates),
    );
    for (const productId of candidates) {
      if (!enabled.has(productId)) await this.closing.close(productId, { detected_by: 'admission_ticker' });
    }
  }

  /** One product's decisions; returns its tickets in line before them (the waiting gauge). */
  private async step(product: QueuedProduct, stockReadAt: number): Promise<number> {
    const now = Date.now();
    const started = product.saleStartsAt === null || product.saleStartsAt.getTime() <= now;
    const summary = await this.lines.summary(product.id, now);
    if (started && product.seed !== null && !summary.drawn) {
      await this.room.ensureDrawn({ id: product.id, queueSeed: product.seed });
    }
    if (product.available === 0) {
      const mayReturn = await this.unitOfWork.read((manager) =>
        this.returnable.mayComeBack(manager, product.id),
      );
      if (!mayReturn) {
        const count = await this.lines.soldOut(product.id);
        if (count > 0) {
          this.events.publish({ kind: 'sold_out', productId: product.id });
          this.logger.log({ event: 'queue.sold_out', product_id: product.id, tickets: count });
          this.metrics.soldOut(product.id, count);
        }
        return summary.waiting;
      }
    }
    if (!started) return summary.waiting;
    const outcome = await this.lines.admit(product.id, {
      now,
      ratePerMinute: product.ratePerMinute,
      available: product.available,
      stockReadAt,
      admissionMs: product.admissionSeconds * 1000,
      abandonMs: this.abandonMs,
      saleStartsAt: product.saleStartsAt?.getTime() ?? null,
    });
    if (outcome.admitted.length > 0 || outcome.expired.length > 0) {
      this.events.publish({
        kind: 'admitted',
        productId: product.id,
        ratePerMinute: product.ratePerMinute,
        head: outcome.head,
        admitted: outcome.admitted,
        expired: outcome.expired,
      });
    }
    // How far behind its paced slot each ticket was admitted, both on the line's clock.
    const lags = outcome.admitted.map((ticket) => outcome.decidedAt - ticket.admittedAt);
    outcome.admitted.forEach((ticket, index) =>
      this.logger.log({
        event: 'queue.admitted',
        product_id: product.id,
        position: ticket.position,
        admission_expires_at: new Date(ticket.expiresAt).toISOString(),
        lag_ms: lags[index],
      }),
    );
    this.metrics.admitted(product.id, lags);
    if (outcome.expired.length > 0) {
      this.logger.log({
        event: 'queue.expired',
        product_id: product.id,
        tickets: outcome.expired.length,
        reason: 'abandoned',
      });
      this.metrics.expired(product.id, 'abandoned', outcome.expired.length);
    }
    return summary.waiting;
  }
}

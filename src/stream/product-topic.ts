import type { ProductResponseDto } from '../products/dto/product-response.dto';
import { nextVersion, snapshotOf, StockSnapshot } from './stock-event';
import type { StreamConnection } from './stream-connection';

/** Reads a product's current state from the database; null when it does not exist. */
export type ProductLoader = (productId: number) => Promise<ProductResponseDto | null>;

export interface TopicEvents {
  /** A read failed (database away): it is retried, the streams stay open. */
  readFailed(productId: number, error: unknown): void;
  /**
   * A read found no such product (never created, or gone). `settled`: no change was announced
   * while it read, so the answer still holds (a change during the read is read again).
   */
  absent(productId: number, settled: boolean): void;
}

/**
 * Timers may fire a hair early by the monotonic clock; reading that much later keeps the
 * next delivery at least one interval after the previous one for every connection.
 */
const TIMER_SLACK_MS = 2;
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * One product watched by this process: whatever the number of connections, the product is
 * read at most once per interval, and a change announced while a read runs is followed by
 * one more read (the latest state always arrives). Each read that finds a new state hands
 * the same snapshot to every connection.
 */
export class ProductTopic {
  readonly connections = new Set<StreamConnection>();
  private snapshot: StockSnapshot | undefined;
  /** The last version given out, kept when the product goes away so versions never go back. */
  private version = 0;
  private reading: Promise<StockSnapshot | null> | undefined;
  private dirty = false;
  private forced = false;
  private lastReadStartedAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly productId: number,
    private readonly load: ProductLoader,
    private readonly intervalMs: number,
    private readonly events: TopicEvents,
  ) {}

  /**
   * The state a new connection starts with: the last one read, if `trusted` (every change
   * reaches this process) and nothing newer is announced; otherwise a fresh read, shared with
   * any read in flight.
   */
  async current(trusted: boolean): Promise<StockSnapshot | null> {
    if (this.snapshot && trusted && !this.dirty) return this.snapshot;
    return this.reading ?? this.read();
  }

  /** A change was announced; `force` delivers the state read next even if it looks unchanged (resync). */
  changed(force = false): void {
    if (this.closed) return;
    this.dirty = true;
    this.forced ||= force;
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayFloorMs = 0): void {
    if (this.reading || this.timer || this.closed) return;
    const due = this.lastReadStartedAt + this.intervalMs + TIMER_SLACK_MS - performance.now();
    const delay = Math.max(delayFloorMs, due);
    if (delay <= 0) {
      void this.read();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) void this.read();
    }, delay);
  }

  private read(): Promise<StockSnapshot | null> {
    this.dirty = false;
    const force = this.forced;
    this.forced = false;
    this.lastReadStartedAt = performance.now();
    let failed = false;
    const reading = this.load(this.productId)
      .then((data) => this.settle(data, force))
      .catch((error: unknown) => {
        // Whatever was announced is still owed: read again once the database answers.
        failed = true;
        this.dirty = true;
        this.forced ||= force;
        this.events.readFailed(this.productId, error);
        throw error;
      })
      .finally(() => {
        this.reading = undefined;
        if (this.dirty) this.schedule(failed ? RETRY_AFTER_FAILURE_MS : 0);
      });
    this.reading = reading;
    // A failure is reported through events (and to a caller of current()); never unhandled.
    reading.catch(() => undefined);
    return reading;
  }

  private settle(data: ProductResponseDto | null, force: boolean): StockSnapshot | null {
    if (!data) {
      // Read afresh by the next connection; a product that comes (back) is delivered in full.
      this.snapshot = undefined;
      if (!this.closed) this.events.absent(this.productId, !this.dirty);
      return null;
    }
    const snapshot = snapshotOf(data, nextVersion(this.version, Date.now()));
    if (this.snapshot && snapshot.json === this.snapshot.json && !force) return this.snapshot;
    this.version = snapshot.version;
    this.snapshot = snapshot;
    const now = performance.now();
    for (const connection of this.connections) connection.offer(snapshot, now);
    return snapshot;
  }
}

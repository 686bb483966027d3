import { formatStockEvent, HEARTBEAT, StockSnapshot, streamPreamble } from './stock-event';

/** What a connection writes to: the HTTP response (a Writable), or a fake in unit tests. */
export interface EventSink {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): void;
  readonly writableLength: number;
}

export type Clock = () => number;

export interface StreamConnectionOptions {
  productIds: readonly number[];
  sink: EventSink;
  intervalMs: number;
  /** The `retry:` this stream starts with (how long EventSource waits after it ends). */
  retryMs: number;
  /** The Last-Event-ID the client sent back (0 if none): ids keep growing past it. */
  lastId: number;
  onSent: (events: number) => void;
  clock?: Clock;
  /** The events' name: `stock` (the default), `queue` for a ticket's stream. */
  eventName?: string;
}

/**
 * One client's stream. Latest state wins: for each product it keeps at most one event not
 * yet written, replaced by every newer state, and writes it once the product's interval since
 * its previous event has passed and the socket has taken the previous write. A client that
 * reads slowly so never costs more than one pending state per product plus one write in
 * Node's buffer, and when it catches up it gets the current state, not a backlog.
 */
export class StreamConnection {
  private readonly pending = new Map<number, StockSnapshot>();
  /** Pending states that go out at once, whatever the interval (a ticket's status changed). */
  private readonly urgent = new Set<number>();
  private readonly lastSentAt = new Map<number, number>();
  /** Highest version per product this connection has been given: an older state never replaces it. */
  private readonly seen = new Map<number, number>();
  private started = false;
  private closed = false;
  private waitingForDrain = false;
  private timer: NodeJS.Timeout | undefined;

  readonly productIds: readonly number[];
  private readonly sink: EventSink;
  private readonly intervalMs: number;
  private readonly retryMs: number;
  private lastId: number;
  private readonly onSent: (events: number) => void;
  private readonly clock: Clock;
  private readonly eventName: string;

  constructor(options: StreamConnectionOptions) {
    this.productIds = options.productIds;
    this.sink = options.sink;
    this.intervalMs = options.intervalMs;
    this.retryMs = options.retryMs;
    this.lastId = options.lastId;
    this.onSent = options.onSent;
    this.clock = options.clock ?? (() => performance.now());
    this.eventName = options.eventName ?? 'stock';
  }

  /** Writes the preamble and every state offered so far (each product's first event goes at once). */
  start(): void {
    if (this.closed || this.started) return;
    this.started = true;
    this.waitingForDrain = !this.sink.write(streamPreamble(this.retryMs));
    if (this.waitingForDrain) this.sink.once('drain', () => this.onDrain());
    this.flush();
  }

  /**
   * A product's new state. `now` lets a fan-out stamp all its connections with one clock
   * reading. `urgent` sends it without waiting for the interval (still after the socket took
   * the previous write); it stays urgent if a newer state replaces it before it goes.
   */
  offer(snapshot: StockSnapshot, now = this.clock(), urgent = false): void {
    if (this.closed || snapshot.version <= (this.seen.get(snapshot.productId) ?? 0)) return;
    this.seen.set(snapshot.productId, snapshot.version);
    this.pending.set(snapshot.productId, snapshot);
    if (urgent) this.urgent.add(snapshot.productId);
    this.flush(now);
  }

  /** A comment line, unless the socket is still busy (then the client is evidently connected). */
  heartbeat(): void {
    if (!this.started || this.closed || this.waitingForDrain) return;
    if (!this.sink.write(HEARTBEAT)) this.waitForDrain();
  }

  /** Bytes Node holds for this client beyond what the socket took. */
  get bufferedBytes(): number {
    return this.sink.writableLength;
  }

  get pendingStates(): number {
    return this.pending.size;
  }

  /** Ends the response (shutdown, product gone); idempotent. Before start() the caller still answers. */
  end(): void {
    if (this.closed) return;
    this.dispose();
    if (this.started) this.sink.end();
  }

  /** The client went away: forget everything, write nothing more. */
  dispose(): void {
    this.closed = true;
    this.pending.clear();
    this.urgent.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(now = this.clock()): void {
    if (!this.started || this.closed || this.waitingForDrain || this.pending.size === 0) return;
    let chunk = '';
    let events = 0;
    let wait = Infinity;
    for (const [productId, snapshot] of this.pending) {
      const since = now - (this.lastSentAt.get(productId) ?? -Infinity);
      if (since < this.intervalMs && !this.urgent.has(productId)) {
        wait = Math.min(wait, this.intervalMs - since);
        continue;
      }
      this.lastId = Math.max(snapshot.version, this.lastId + 1);
      chunk += formatStockEvent(this.lastId, snapshot, this.eventName);
      events++;
      this.lastSentAt.set(productId, now);
      this.pending.delete(productId);
      this.urgent.delete(productId);
    }
    if (events > 0) {
      this.onSent(events);
      if (!this.sink.write(chunk)) this.waitForDrain();
    }
    if (wait !== Infinity && !this.waitingForDrain && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, Math.ceil(wait));
    }
  }

  private waitForDrain(): void {
    this.waitingForDrain = true;
    this.sink.once('drain', () => this.onDrain());
  }

  private onDrain(): void {
    this.waitingForDrain = false;
    this.flush();
  }
}

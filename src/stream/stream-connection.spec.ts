import { snapshotOf } from './stock-event';
import { EventSink, StreamConnection } from './stream-connection';

/** A socket that takes writes until told it is full, like a client that stopped reading. */
class FakeSink implements EventSink {
  chunks: string[] = [];
  full = false;
  ended = false;
  private drain: (() => void) | undefined;

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return !this.full;
  }

  once(_event: 'drain', listener: () => void): this {
    this.drain = listener;
    return this;
  }

  end(): void {
    this.ended = true;
  }

  get writableLength(): number {
    return this.full ? 1 : 0;
  }

  emitDrain(): void {
    this.full = false;
    const listener = this.drain;
    this.drain = undefined;
    listener?.();
  }

  /** The available_stock of every event written, in order. */
  stocks(): number[] {
    return this.chunks
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('data: '))
      .map((line) => (JSON.parse(line.slice(6)) as { available_stock: number }).available_stock);
  }
}

const state = (available: number, version: number) =>
  snapshotOf(
    {
      id: 1,
      name: 'P',
      total_stock: 100,
      available_stock: available,
      price: '1.00',
      sale_starts_at: null,
      sale_ends_at: null,
      max_per_customer: null,
      queue_enabled: false,
      queue_admit_per_minute: 600,
      queue_admission_seconds: 300,
    },
    version,
  );

describe(StreamConnection.name, () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000;
  });

  afterEach(() => jest.useRealTimers());

  function setup(intervalMs = 250, lastId = 0) {
    const sink = new FakeSink();
    let sent = 0;
    const sut = new StreamConnection({
      productIds: [1],
      sink,
      intervalMs,
      retryMs: 3_210,
      lastId,
      onSent: (events) => (sent += events),
      clock,
    });
    return { sut, sink, sent: () => sent };
  }

  it('should write the retry preamble, then the first state at once', () => {
    const { sut, sink } = setup();
    sut.offer(state(100, 10));
    sut.start();
    expect(sink.chunks[0]).toBe('retry: 3210\n\n');
    expect(sink.chunks[1]).toBe(
      'id: 10\nevent: stock\ndata: {"id":1,"name":"P","total_stock":100,"available_stock":100,"price":"1.00","sale_starts_at":null,"sale_ends_at":null,"max_per_customer":null,"queue_enabled":false,"queue_admit_per_minute":600,"queue_admission_seconds":300}\n\n',
    );
  });

  it('should send at most one event per interval, the latest state winning, and the last change always', () => {
    const { sut, sink, sent } = setup();
    sut.start();
    sut.offer(state(100, 1));
    for (let version = 2; version <= 50; version++) sut.offer(state(100 - version, version));
    expect(sink.stocks()).toEqual([100]);

    now += 250;
    jest.advanceTimersByTime(250);
    expect(sink.stocks()).toEqual([100, 50]);
    expect(sent()).toBe(2);
    jest.advanceTimersByTime(10_000);
    expect(sink.stocks()).toEqual([100, 50]);
  });

  it('should send an urgent state at once, inside the interval, and keep it urgent when replaced before it goes', () => {
    const { sut, sink } = setup();
    sut.start();
    sut.offer(state(100, 1));
    now += 10;
    sut.offer(state(90, 2)); // held back by the interval
    sut.offer(state(80, 3), now, true);
    expect(sink.stocks()).toEqual([100, 80]);

    sink.full = true;
    sut.offer(state(60, 4), now, true); // taken by the socket, which is now full
    sut.offer(state(50, 5), now, true);
    sut.offer(state(40, 6)); // replaces the urgent one: still urgent
    sink.emitDrain();
    expect(sink.stocks()).toEqual([100, 80, 60, 40]);
  });

  it('should give a client that stopped reading the latest state when it catches up, never a backlog', () => {
    const { sut, sink } = setup(0);
    sut.start();
    sut.offer(state(100, 1));
    sink.full = true;
    sut.offer(state(99, 2)); // accepted by the socket, which now reports it is full
    for (let version = 3; version <= 1_000; version++) sut.offer(state(100 - (version % 90), version));
    sut.offer(state(7, 1_001));
    expect(sut.pendingStates).toBe(1);
    expect(sink.stocks()).toEqual([100, 99]);

    sink.emitDrain();
    expect(sink.stocks()).toEqual([100, 99, 7]);
    expect(sut.pendingStates).toBe(0);
  });

  it('should never go back to an older state, and keep ids growing past a Last-Event-ID', () => {
    const { sut, sink } = setup(0, 500);
    sut.start();
    sut.offer(state(10, 20));
    sut.offer(state(11, 19));
    expect(sink.stocks()).toEqual([10]);
    expect(sink.chunks[1]).toMatch(/^id: 501\n/);
  });

  it('should skip heartbeats while the socket is full and end only a started stream', () => {
    const { sut, sink } = setup();
    sut.heartbeat();
    sut.end();
    expect(sink.chunks).toEqual([]);
    expect(sink.ended).toBe(false);

    const other = setup();
    other.sut.start();
    other.sut.heartbeat();
    other.sink.full = true;
    other.sut.heartbeat();
    other.sut.heartbeat();
    expect(other.sink.chunks).toEqual(['retry: 3210\n\n', ': heartbeat\n\n', ': heartbeat\n\n']);
    other.sut.end();
    expect(other.sink.ended).toBe(true);
  });
});

import { ServiceBusyError } from './errors/domain.error';

interface Pending<Request, Result> {
  request: Request;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export interface KeyedBatcherOptions {
  /** Most requests one batch carries (one transaction, one row lock). */
  maxBatchSize: number;
  /**
   * Most requests of one key not answered yet (queued, or in a batch waiting for the lock);
   * beyond it new ones are shed (503), not queued forever.
   */
  maxQueued: number;
  /** The same across all keys (default: only the per-key bound). */
  maxQueuedTotal?: number;
  /**
   * An idle key waits for the end of this turn of the event loop (setImmediate) before it
   * runs, so the requests read from the sockets in the same turn share the batch. For a `run`
   * that never yields to I/O (SQLite's synchronous driver): there, no request can arrive
   * while a batch runs, and without this every batch would carry one or two requests.
   */
  gatherEachTurn?: boolean;
}

/**
 * Group commit, per key: while a batch for a key is running, requests for that key queue;
 * when one finishes, everything queued (up to maxBatchSize) goes as the next batch. An idle
 * key runs a request at once, so batching adds no wait; under load, one transaction serves
 * many requests. `run` must return one result per request, in order.
 */
export class KeyedBatcher<Key, Request, Result> {
  private readonly queues = new Map<Key, Pending<Request, Result>[]>();
  /** Keys with a batch running: one at a time per key. */
  private readonly running = new Set<Key>();
  /** Requests of each key not answered yet: queued, in a running batch, or beside (see runBeside). */
  private readonly admitted = new Map<Key, number>();
  /** The same, across keys. */
  private admittedTotal = 0;
  /** Idle keys whose batch starts at the end of this turn (gatherEachTurn). */
  private readonly gathering = new Set<Key>();

  constructor(
    private readonly run: (key: Key, requests: Request[]) => Promise<Result[]>,
    private readonly options: KeyedBatcherOptions,
  ) {}

  submit(key: Key, request: Request): Promise<Result> {
    if (!this.admit(key)) return Promise.reject(new ServiceBusyError());
    const queue = this.queues.get(key) ?? [];
    return new Promise<Result>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      this.queues.set(key, queue);
      if (this.options.gatherEachTurn) this.startAtEndOfTurn(key);
      else this.startBatches(key);
    });
  }

  /** Requests of `key` waiting for a batch (not those of the batches running). */
  queued(key: Key): number {
    return this.queues.get(key)?.length ?? 0;
  }

  /**
   * Runs `work` outside the batches (a request that needs a transaction of its own) while
   * counting it against the same bounds as a queued request, from start to end: it waits on
   * the same row lock, and holds a pool connection while it does. Shed (503) when full.
   */
  async runBeside<T>(key: Key, work: () => Promise<T>): Promise<T> {
    if (!this.admit(key)) throw new ServiceBusyError();
    try {
      return await work();
    } finally {
      this.done(key, 1);
    }
  }

  /** Counts a new request in, unless its key or the whole batcher is at its bound. */
  private admit(key: Key): boolean {
    const admitted = this.admitted.get(key) ?? 0;
    if (admitted >= this.options.maxQueued) return false;
    if (this.options.maxQueuedTotal !== undefined && this.admittedTotal >= this.options.maxQueuedTotal) {
      return false;
    }
    this.admitted.set(key, admitted + 1);
    this.admittedTotal++;
    return true;
  }

  private done(key: Key, count: number): void {
    this.admittedTotal -= count;
    const left = (this.admitted.get(key) ?? count) - count;
    if (left === 0) this.admitted.delete(key);
    else this.admitted.set(key, left);
  }

  private startAtEndOfTurn(key: Key): void {
    if (this.running.has(key) || this.gathering.has(key)) return;
    this.gathering.add(key);
    setImmediate(() => {
      this.gathering.delete(key);
      this.startBatches(key);
    });
  }

  private startBatches(key: Key): void {
    const queue = this.queues.get(key);
    if (queue && queue.length > 0 && !this.running.has(key)) {
      const batch = queue.splice(0, this.options.maxBatchSize);
      this.running.add(key);
      void this.runBatch(key, batch).finally(() => {
        this.done(key, batch.length);
        this.running.delete(key);
        this.startBatches(key);
      });
    }
    if (queue?.length === 0 && !this.running.has(key) && !this.gathering.has(key)) this.queues.delete(key);
  }

  private async runBatch(key: Key, batch: Pending<Request, Result>[]): Promise<void> {
    try {
      const results = await this.run(
        key,
        batch.map((pending) => pending.request),
      );
      batch.forEach((pending, index) => pending.resolve(results[index]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}

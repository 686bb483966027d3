import { DomainError } from './errors/domain.error';

export class OverloadedError extends DomainError {
  readonly code = 'SERVICE_BUSY';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super('Too many requests are waiting for this product; retry shortly');
  }
}

interface Pending<Request, Result> {
  request: Request;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export interface KeyedBatcherOptions {
  /** Most requests one batch carries (one transaction, one row lock). */
  maxBatchSize: number;
  /** Most requests allowed to wait per key; beyond it new ones are shed (503), not queued forever. */
  maxQueued: number;
  /**
   * Batches of one key allowed to run at once. With 2, the next batch opens its transaction
   * and queues on the row lock while the current one finishes, so the lock never waits for
   * the next batch to be set up. Default 1.
   */
  maxConcurrentBatches?: number;
}

/**
 * Group commit, per key: while batches for a key are running, requests for that key queue;
 * when one finishes, everything queued (up to maxBatchSize) goes as the next batch. An idle
 * key runs a request at once, so batching adds no wait; under load, one transaction serves
 * many requests. `run` must return one result per request, in order.
 */
export class KeyedBatcher<Key, Request, Result> {
  private readonly queues = new Map<Key, Pending<Request, Result>[]>();
  private readonly running = new Map<Key, number>();
  private readonly maxConcurrentBatches: number;

  constructor(
    private readonly run: (key: Key, requests: Request[]) => Promise<Result[]>,
    private readonly options: KeyedBatcherOptions,
  ) {
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 1;
  }

  submit(key: Key, request: Request): Promise<Result> {
    const queue = this.queues.get(key) ?? [];
    if (queue.length >= this.options.maxQueued) return Promise.reject(new OverloadedError());
    return new Promise<Result>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      this.queues.set(key, queue);
      this.startBatches(key);
    });
  }

  /** Requests of `key` waiting for a batch (not those of the batches running). */
  queued(key: Key): number {
    return this.queues.get(key)?.length ?? 0;
  }

  private startBatches(key: Key): void {
    const queue = this.queues.get(key);
    while (queue && queue.length > 0 && (this.running.get(key) ?? 0) < this.maxConcurrentBatches) {
      const batch = queue.splice(0, this.options.maxBatchSize);
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
      void this.runBatch(key, batch).finally(() => this.batchDone(key));
    }
    if (queue?.length === 0 && !this.running.has(key)) this.queues.delete(key);
  }

  private batchDone(key: Key): void {
    const running = (this.running.get(key) ?? 1) - 1;
    if (running === 0) this.running.delete(key);
    else this.running.set(key, running);
    this.startBatches(key);
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

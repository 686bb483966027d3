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
}

/**
 * Group commit, per key: while a batch for a key is running, requests for that key queue;
 * when it finishes, everything queued (up to maxBatchSize) goes as the next batch. An idle
 * key runs a request at once, so batching adds no wait; under load, one transaction serves
 * many requests. `run` must return one result per request, in order.
 */
export class KeyedBatcher<Key, Request, Result> {
  private readonly queues = new Map<Key, Pending<Request, Result>[]>();
  private readonly running = new Set<Key>();

  constructor(
    private readonly run: (key: Key, requests: Request[]) => Promise<Result[]>,
    private readonly options: KeyedBatcherOptions,
  ) {}

  submit(key: Key, request: Request): Promise<Result> {
    const queue = this.queues.get(key) ?? [];
    if (queue.length >= this.options.maxQueued) return Promise.reject(new OverloadedError());
    return new Promise<Result>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      this.queues.set(key, queue);
      if (!this.running.has(key)) void this.drain(key);
    });
  }

  private async drain(key: Key): Promise<void> {
    this.running.add(key);
    try {
      for (;;) {
        const queue = this.queues.get(key);
        if (!queue || queue.length === 0) {
          this.queues.delete(key);
          return;
        }
        const batch = queue.splice(0, this.options.maxBatchSize);
        await this.runBatch(key, batch);
      }
    } finally {
      this.running.delete(key);
    }
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

export type Clock = () => number;

/**
 * Product ids a read found no product for, remembered for `ttlMs` (STREAM_MIN_INTERVAL_MS):
 * streams opened meanwhile for those ids cost no database read. A change of the product
 * (its creation, its publication) forgets its entry at once, and the short life bounds how
 * stale an entry can be when a change was missed (Redis away). Entries all live `ttlMs`, so
 * the Map's insertion order is their expiry order and pruning stops at the first live one:
 * the Map never holds more than the misses of one interval.
 */
export class MissingProducts {
  private readonly until = new Map<number, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock = () => performance.now(),
  ) {}

  has(productId: number): boolean {
    const until = this.until.get(productId);
    if (until === undefined) return false;
    if (until > this.clock()) return true;
    this.until.delete(productId);
    return false;
  }

  add(productId: number): void {
    if (this.ttlMs <= 0) return;
    const now = this.clock();
    this.prune(now);
    this.until.delete(productId);
    this.until.set(productId, now + this.ttlMs);
  }

  forget(productId: number): void {
    this.until.delete(productId);
  }

  clear(): void {
    this.until.clear();
  }

  get size(): number {
    return this.until.size;
  }

  private prune(now: number): void {
    for (const [productId, until] of this.until) {
      if (until > now) return;
      this.until.delete(productId);
    }
  }
}

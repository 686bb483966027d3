import { CACHE_MANAGER, Cache } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from '../../common/with-timeout';
import type { AllConfig } from '../../config/config.types';
import { DatabaseIdentity } from '../../database/database-identity';
import { CACHE_COMMAND_TIMEOUT_MS, PRODUCT_CACHE_STORE, ProductCacheStore } from './product-cache.store';

/** Generations outlive entries by far; losing one is harmless (the next read starts a new one). */
const GENERATION_TTL_MS = 24 * 60 * 60 * 1000;
/** After a failed or slow command, reads skip the cache this long instead of each paying the timeout. */
const SKIP_AFTER_FAILURE_MS = 1_000;
const RETRY_INTERVAL_MS = 1_000;
/**
 * The last try of the invalidations still owed at shutdown, waiting for a reconnecting Redis
 * included: long enough for one reconnection (at most a second apart), well inside
 * SHUTDOWN_TIMEOUT_SECONDS (15 by default).
 */
export const SHUTDOWN_RETRY_BOUND_MS = 2_000;
const READY_POLL_MS = 20;
const FAILED: unique symbol = Symbol('FAILED');
type Failed = typeof FAILED;

/**
 * Keys carry the database's identity (see DatabaseIdentity): entries written for another
 * database, or before a `db:reset`, are never read. The `{...}` hash tag keeps a product's
 * two keys in one Redis Cluster slot, so one MGET reads both.
 */
export const productCacheKeys = {
  generation: (databaseId: string, productId: number) => `product:{${databaseId}-${productId}}:gen`,
  entry: (databaseId: string, productId: number) => `product:{${databaseId}-${productId}}:entry`,
};

/** A cached answer remembers the generation it was read under. */
interface CacheEntry {
  generation: string;
  body: unknown;
}

/**
 * What a read found: the cached answer, or a miss with the generation to store the fresh
 * answer under (`claim`: a new generation, to be created only once the answer exists), or
 * `bypass` (cache off, store unreachable, or an invalidation still owed).
 */
export type CachedRead =
  { kind: 'hit'; body: unknown } | { kind: 'miss'; generation: string; claim: boolean } | { kind: 'bypass' };

const BYPASS: CachedRead = { kind: 'bypass' };

/**
 * The product read cache, never stale. Each product has a generation (a random token) and
 * one cached answer that records the generation it was read under; a stock change replaces
 * the generation after its commit, and an answer only counts while its generation is the
 * current one. A reader takes the generation *before* it reads the database (both keys in
 * one round trip), so a slow reader that puts an old answer back stamps it with a generation
 * nobody accepts any more. Random tokens (not a counter) make a lost generation key
 * harmless: a reader that finds none picks a new one before reading the database, and
 * creates it only after the read found the product, with SET NX: if an invalidation wrote a
 * generation meanwhile, the claim fails and the (possibly old) answer is not cached. So a
 * 404, or any refused read, writes nothing to Redis.
 */
@Injectable()
export class ProductCache implements OnModuleDestroy {
  private readonly logger = new Logger(ProductCache.name);
  private readonly enabled: boolean;
  private readonly ttlMs: number;
  /** Products whose invalidation did not reach the store: read from the database until a retry lands. */
  private readonly pending = new Set<number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retrying = false;
  private closed = false;
  private skipUntil = 0;

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @Inject(PRODUCT_CACHE_STORE) private readonly store: ProductCacheStore,
    private readonly database: DatabaseIdentity,
    config: ConfigService<AllConfig, true>,
  ) {
    this.ttlMs = config.getOrThrow('cache.productTtlSeconds', { infer: true }) * 1000;
    this.enabled = this.ttlMs > 0;
  }

  /** Must be called before the database is read (see the class comment). */
  async read(productId: number): Promise<CachedRead> {
    if (!this.usable(productId)) return BYPASS;
    // cache-manager reports a failed read as a miss; that is safe, because a miss without a
    // generation caches only after claiming one, and a store that really failed fails that too.
    const values = await this.attempt(() =>
      this.cache.mget<unknown>([this.keys.generation(productId), this.keys.entry(productId)]),
    );
    if (values === FAILED) return BYPASS;
    const [generation, entry] = values as [string | undefined, CacheEntry | undefined];
    if (generation && entry?.generation === generation) return { kind: 'hit', body: entry.body };
    if (generation) return { kind: 'miss', generation, claim: false };
    return { kind: 'miss', generation: randomUUID(), claim: true };
  }

  /**
   * Stores an answer read from the database under the generation `read` returned; call it
   * only with an answer (never for a 404). A claimed generation is created first, if no
   * other appeared meanwhile; otherwise nothing is stored.
   */
  async write(productId: number, read: { generation: string; claim: boolean }, body: unknown): Promise<void> {
    if (read.claim) {
      const claimed = await this.attempt(() =>
        this.store.setIfAbsent(this.keys.generation(productId), read.generation, GENERATION_TTL_MS),
      );
      if (claimed !== true) return;
    }
    const entry: CacheEntry = { generation: read.generation, body };
    await this.attempt(() => this.cache.set(this.keys.entry(productId), entry, this.ttlMs));
  }

  /** This database's keys for a product. */
  private readonly keys = {
    generation: (productId: number) => productCacheKeys.generation(this.database.id, productId),
    entry: (productId: number) => productCacheKeys.entry(this.database.id, productId),
  };

  /**
   * Call after the commit that changed the product's stock, before answering. If the
   * store cannot take it now, this process stops using the cache for the product and
   * retries every second until the new generation is written. Only invalidates: the live
   * stock streams hear of the change from ProductStock.afterCommit, which calls this.
   */
  async invalidate(productId: number): Promise<void> {
    if (!this.enabled) return;
    if (await this.renewGeneration(productId)) return;
    // Logged once per product and outage: during one, every hold would repeat it.
    if (!this.pending.has(productId)) {
      this.pending.add(productId);
      this.logger.warn({ event: 'cache.invalidation_deferred', product_id: productId });
    }
    if (!this.closed) {
      this.retryTimer ??= setInterval(() => void this.retryPending(), RETRY_INTERVAL_MS).unref();
    }
  }

  /** Whether the store answers; the health check reports it. */
  async ping(): Promise<{ store: ProductCacheStore['kind']; up: boolean }> {
    const answered = await this.attempt(() => this.store.ping());
    return { store: this.store.kind, up: answered !== FAILED };
  }

  private usable(productId: number): boolean {
    return this.enabled && !this.pending.has(productId) && Date.now() >= this.skipUntil;
  }

  /**
   * Before the store disconnects (cache-manager's own hook comes later): one last try of the
   * invalidations still owed, bounded by SHUTDOWN_RETRY_BOUND_MS. Without it, other processes
   * would serve the products this process changed last from the cache until the TTL ends.
   * What still cannot be written is logged.
   */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pending.size === 0) return;
    await this.lastTry(Date.now() + SHUTDOWN_RETRY_BOUND_MS);
    if (this.pending.size > 0) {
      this.logger.warn({ event: 'cache.invalidations_dropped', product_ids: [...this.pending] });
    }
  }

  /** Waits for the store to be connected, then renews every owed generation at once; each write is bounded. */
  private async lastTry(deadline: number): Promise<void> {
    const lastWriteBy = deadline - (CACHE_COMMAND_TIMEOUT_MS + 50);
    while (!this.store.isReady() && Date.now() < lastWriteBy) await sleep(READY_POLL_MS);
    await Promise.all(
      [...this.pending].map(async (productId) => {
        if (!(await this.renewGeneration(productId))) return;
        this.pending.delete(productId);
        this.logger.log({ event: 'cache.invalidation_recovered', product_id: productId });
      }),
    );
  }

  private async renewGeneration(productId: number): Promise<boolean> {
    const written = await this.attempt(() =>
      this.cache.set(this.keys.generation(productId), randomUUID(), GENERATION_TTL_MS),
    );
    return written !== FAILED;
  }

  private async retryPending(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const productId of this.pending) {
        if (!(await this.renewGeneration(productId))) return;
        this.pending.delete(productId);
        this.logger.log({ event: 'cache.invalidation_recovered', product_id: productId });
      }
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    } finally {
      this.retrying = false;
    }
  }

  /** Runs one store command with a hard time bound; any failure is FAILED, never an error. */
  private async attempt<T>(command: () => Promise<T>): Promise<T | Failed> {
    // Not connected (Redis down, or closed at shutdown): fail at once. Sending anyway would
    // make the Keyv adapter open a new connection after shutdown, which nothing would close.
    if (!this.store.isReady()) return FAILED;
    // The memory store answers within the call: a timer per read would only cost CPU.
    const running =
      this.store.kind === 'memory' ? command() : withTimeout(command(), CACHE_COMMAND_TIMEOUT_MS + 50);
    const result = await running.catch((): Failed => FAILED);
    if (result === FAILED) this.skipUntil = Date.now() + SKIP_AFTER_FAILURE_MS;
    return result;
  }
}

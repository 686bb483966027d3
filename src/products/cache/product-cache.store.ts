import { Keyv } from 'keyv';
import type { RedisConfig } from '../../config/redis.config';
import { IoRedisClient, isClientUp } from '../../redis/ioredis-client';
import { IoRedisKeyvStore } from '../../redis/ioredis-keyv-store';
import { clearNamespace } from '../../redis/redis-namespace';

/**
 * Bounds every cache command. A slow or hung Redis costs a read at most this long, after
 * which the read is served from the database: the cache is an optimisation, never a dependency.
 */
export const CACHE_COMMAND_TIMEOUT_MS = 250;
/** Memory mode keeps at most this many entries (old generations are never read again). */
const MEMORY_MAX_ENTRIES = 10_000;

export const PRODUCT_CACHE_STORE = Symbol('PRODUCT_CACHE_STORE');

/** Where the product cache's keys live in Redis: `<REDIS_PREFIX>:cache::<key>`. */
export function productCacheNamespace(prefix: string): string {
  return `${prefix}:cache`;
}

/** The product cache only (`npm run cache:clear`): readers start new generations and read the database. */
export function clearProductCache(redis: RedisConfig): Promise<number> {
  return clearNamespace(redis, productCacheNamespace(redis.prefix));
}

/** Where product reads are cached, as cache-manager stores plus what health and the cache need to know. */
export interface ProductCacheStore {
  readonly kind: 'redis' | 'memory';
  /** Keyv stores handed to cache-manager (@nestjs/cache-manager disconnects them at shutdown). */
  readonly stores: Keyv[];
  /** Whether a command can be sent right now; false while Redis is disconnected. */
  isReady(): boolean;
  ping(): Promise<void>;
  /**
   * Sets `key` (in the cache's namespace, as cache-manager stores it) only if it has no live
   * value; true when it was set. cache-manager has no SET NX.
   */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
}

/**
 * The one place that picks the store. Redis when one is configured (REDIS_HOST, or a cluster
 * with REDIS_CLUSTER_NODES): the process's ioredis connection (RedisConnectionModule), which
 * the hold-expiry queue uses too; otherwise an in-process memory store, valid for a single
 * process only. The interceptor and ProductCache work the same over either.
 */
export function createProductCacheStore(client: IoRedisClient | null, prefix: string): ProductCacheStore {
  return client ? redisStore(client, prefix) : memoryStore();
}

/**
 * The connection has no offline queue: while Redis is down, commands fail at once instead of
 * queueing until it returns. No per-command timeout on the connection (BullMQ shares it):
 * ProductCache bounds every call itself.
 */
function redisStore(client: IoRedisClient, prefix: string): ProductCacheStore {
  const namespace = productCacheNamespace(prefix);
  // Its own namespace, apart from the BullMQ queues under the same REDIS_PREFIX.
  const store = new IoRedisKeyvStore(client, namespace);
  return {
    kind: 'redis',
    stores: [new Keyv(store, { namespace, useKeyPrefix: false, throwOnErrors: true, ...PLAIN_JSON })],
    // A cluster client is ready while its slot map is known; commands for a missing master's slots fail at once.
    isReady: () => isClientUp(client),
    ping: async () => {
      await client.ping();
    },
    // The value exactly as Keyv writes it (JSON of {value, expires}), under the store's key.
    setIfAbsent: (key, value, ttlMs) =>
      store.setIfAbsent(key, PLAIN_JSON.serialize({ value, expires: Date.now() + ttlMs }), ttlMs),
  };
}

/**
 * Entries are plain JSON. Keyv's default deserializer gives JSON.parse a reviver (to bring
 * Buffers back), which was 6 % of a cached read's CPU; nothing here stores a Buffer.
 */
const PLAIN_JSON = {
  serialize: (data: unknown) => JSON.stringify(data),
  deserialize: (data: string) => JSON.parse(data) as never,
};

/**
 * The embedded mode's store: one Map in the process, read through the same Keyv and
 * cache-manager calls as Redis, minus what only a remote store needs. Keyv keeps its
 * `{ value, expires }` records as they are (no serializer: no JSON per read), and the Map's
 * own `getMany` answers a read's two keys in one call (without it Keyv reads each key in an
 * async step of its own). A reader gets the stored object itself, so records are frozen.
 */
function memoryStore(): ProductCacheStore {
  const map = new MemoryEntries(MEMORY_MAX_ENTRIES);
  const keyv = new Keyv({ store: map, throwOnErrors: true, serialize: undefined, deserialize: undefined });
  return {
    kind: 'memory',
    stores: [keyv],
    isReady: () => true,
    ping: () => Promise.resolve(),
    // Synchronous on the map, so nothing runs between the check and the set (Keyv's key: `<namespace>:<key>`).
    setIfAbsent: (key, value, ttlMs) => {
      const mapKey = `${keyv.namespace}:${key}`;
      const current = map.get(mapKey);
      if (current !== undefined && (current.expires === undefined || current.expires > Date.now())) {
        return Promise.resolve(false);
      }
      map.set(mapKey, { value, expires: Date.now() + ttlMs });
      return Promise.resolve(true);
    },
  };
}

/** A Keyv record as the memory store keeps it. */
interface MemoryRecord {
  value: unknown;
  expires?: number;
}

/**
 * A Map of frozen Keyv records that forgets its oldest entry when full (Keyv's Map store only
 * expires entries that are read again), with the `getMany` Keyv uses when a store has one.
 */
class MemoryEntries extends Map<string, MemoryRecord> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: string, record: MemoryRecord): this {
    if (!this.has(key) && this.size >= this.maxEntries) {
      this.delete(this.keys().next().value as string);
    }
    return super.set(key, deepFreeze(record));
  }

  getMany(keys: string[]): Promise<Array<MemoryRecord | undefined>> {
    return Promise.resolve(keys.map((key) => this.get(key)));
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

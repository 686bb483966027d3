import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import { Logger } from '@nestjs/common';
import { Keyv } from 'keyv';
import { RedisConfig, redisConfigured } from '../config/redis.config';

/**
 * Bounds every cache command. A slow or hung Redis costs a read at most this long, after
 * which the read is served from the database: the cache is an optimisation, never a dependency.
 */
export const CACHE_COMMAND_TIMEOUT_MS = 250;
const CONNECT_TIMEOUT_MS = 1_000;
/** Reconnect quickly once Redis is back, so caching resumes within about a second. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** Memory mode keeps at most this many entries (old generations are never read again). */
const MEMORY_MAX_ENTRIES = 10_000;

export const PRODUCT_CACHE_STORE = Symbol('PRODUCT_CACHE_STORE');

/** Where the product cache's keys live in Redis: `<REDIS_PREFIX>:cache::<key>`. */
export function productCacheNamespace(prefix: string): string {
  return `${prefix}:cache`;
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
 * with REDIS_CLUSTER_NODES); otherwise an in-process memory store, valid for a single process
 * only. The interceptor and ProductCache work the same over either.
 */
export function createProductCacheStore(redis: RedisConfig): ProductCacheStore {
  return redisConfigured(redis) ? redisStore(redis) : memoryStore();
}

const SOCKET_OPTIONS = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
};

/**
 * While disconnected, commands fail at once instead of queueing until Redis returns. No
 * per-command timeout here: node-redis implements it with an AbortSignal per command, which
 * measured as a tenth of a cached read's CPU. ProductCache bounds every call itself.
 */
function createRedisClient(redis: RedisConfig) {
  if (redis.clusterNodes) {
    // Keyv's adapter sends each key to its slot's master (one MGET per slot); node-redis
    // follows MOVED/ASK and rediscovers the slot map. A master that is down fails its
    // slots' commands at once while the others keep answering.
    return createCluster({
      rootNodes: redis.clusterNodes.map(({ host, port }) => ({ socket: { host, port } })),
      defaults: { socket: SOCKET_OPTIONS, password: redis.password, disableOfflineQueue: true },
    });
  }
  return createClient({
    socket: { host: redis.host, port: redis.port, ...SOCKET_OPTIONS },
    password: redis.password,
    disableOfflineQueue: true,
  });
}

function redisStore(redis: RedisConfig): ProductCacheStore {
  const logger = new Logger('ProductCacheStore');
  const client = createRedisClient(redis);
  // The client emits an error per reconnect attempt; log the transitions only.
  let available = true;
  client.on('error', (error: Error) => {
    if (!available) return;
    available = false;
    logger.warn({ event: 'cache.redis_unavailable', message: error.message });
  });
  client.on('ready', () => {
    if (available) return;
    available = true;
    logger.log({ event: 'cache.redis_available' });
  });
  // Not awaited: the app starts (and serves from the database) while Redis is down.
  client.connect().catch(() => undefined);
  const namespace = productCacheNamespace(redis.prefix);
  return {
    kind: 'redis',
    // Its own namespace, apart from the BullMQ queues under the same REDIS_PREFIX.
    stores: [withPlainJson(keyvOver(client, namespace))],
    // A cluster client is open while any master answers; commands for a missing master's slots fail at once.
    isReady: () => ('isReady' in client ? client.isReady : client.isOpen),
    ping: async () => {
      if ('isReady' in client) await client.ping();
      else await client.sendCommand(undefined, true, ['PING']);
    },
    // The key and value exactly as @keyv/redis and Keyv write them (`<namespace>::<key>`, JSON of {value, expires}).
    setIfAbsent: async (key, value, ttlMs) => {
      const stored = PLAIN_JSON.serialize({ value, expires: Date.now() + ttlMs });
      return (await client.set(`${namespace}::${key}`, stored, { NX: true, PX: ttlMs })) === 'OK';
    },
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

function memoryStore(): ProductCacheStore {
  const map = new BoundedMap<string, string>(MEMORY_MAX_ENTRIES);
  const keyv = new Keyv({ store: map, throwOnErrors: true, ...PLAIN_JSON });
  return {
    kind: 'memory',
    stores: [keyv],
    isReady: () => true,
    ping: () => Promise.resolve(),
    // Synchronous on the map, so nothing runs between the check and the set (Keyv's key: `<namespace>:<key>`).
    setIfAbsent: (key, value, ttlMs) => {
      const mapKey = `${keyv.namespace}:${key}`;
      const current = map.get(mapKey);
      const expires =
        current === undefined ? undefined : (PLAIN_JSON.deserialize(current) as { expires?: number }).expires;
      if (current !== undefined && (expires === undefined || expires > Date.now())) {
        return Promise.resolve(false);
      }
      map.set(mapKey, PLAIN_JSON.serialize({ value, expires: Date.now() + ttlMs }));
      return Promise.resolve(true);
    },
  };
}

/** What @keyv/redis's createKeyv does, for a single client or a cluster alike (its types take only the former). */
function keyvOver(client: ReturnType<typeof createRedisClient>, namespace: string): Keyv {
  return new Keyv(new KeyvRedis(client, { namespace }), {
    namespace,
    useKeyPrefix: false,
    throwOnErrors: true,
  });
}

function withPlainJson(keyv: Keyv): Keyv {
  keyv.serialize = PLAIN_JSON.serialize;
  keyv.deserialize = PLAIN_JSON.deserialize;
  return keyv;
}

/** A Map that forgets its oldest entry when full: Keyv's Map store only expires entries that are read again. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.maxEntries) {
      this.delete(this.keys().next().value as K);
    }
    return super.set(key, value);
  }
}

import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/redis.config';

/** One Redis server or a Redis Cluster, behind ioredis's common command interface. */
export type IoRedisClient = Redis | Cluster;

export interface IoRedisClientOptions {
  /** null for BullMQ (its blocking Worker connection requires it). */
  maxRetriesPerRequest: number | null;
  /** A hard bound on each command; unset when the caller bounds its calls itself. */
  commandTimeoutMs?: number;
  /** Reconnect quickly and forever, at most this long between attempts. */
  maxReconnectDelayMs: number;
}

const CONNECT_TIMEOUT_MS = 2_000;

/**
 * The one place that turns the configuration into an ioredis client: a `Cluster` when
 * REDIS_CLUSTER_NODES is set (it follows MOVED/ASK redirections and refreshes the slot map
 * itself), a plain `Redis` for REDIS_HOST. Both without an offline queue: while Redis (or
 * the cluster) is unreachable a command fails at once instead of piling up in memory and
 * making an HTTP request wait.
 */
export function createIoRedisClient(redis: RedisConfig, options: IoRedisClientOptions): IoRedisClient {
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, options.maxReconnectDelayMs);
  const nodeOptions: RedisOptions = {
    password: redis.password,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
  };
  if (redis.clusterNodes) {
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      // A master that went away: retry the command on the refreshed slot map, a few times.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      maxRedirections: 6,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      redisOptions: nodeOptions,
    };
    return new Cluster(redis.clusterNodes, clusterOptions);
  }
  return new Redis({
    ...nodeOptions,
    host: redis.host,
    port: redis.port,
    enableOfflineQueue: false,
    retryStrategy,
  });
}

/** Whether a command can be sent now (ioredis's Cluster reports 'connect' until its first slot refresh ends). */
export function isClientUp(client: IoRedisClient): boolean {
  return client.status === 'ready';
}

/**
 * BullMQ's key prefix. On a cluster every key of a queue must hash to one slot (its Lua
 * scripts touch several keys at once), so the prefix becomes a hash tag: `{<prefix>}:hold-expiry:...`.
 * On one server it stays as it is, so existing deployments keep their keys.
 */
export function clusterSafe(prefix: string, redis: Pick<RedisConfig, 'clusterNodes'>): string {
  return redis.clusterNodes ? `{${prefix}}` : prefix;
}

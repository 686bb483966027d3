import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisConfig, RedisNode } from '../config/redis.config';

/** One Redis server or a Redis Cluster, behind ioredis's common command interface. */
export type IoRedisClient = Redis | Cluster;

export interface IoRedisClientOptions {
  /** null for BullMQ (its blocking Worker connection requires it). */
  maxRetriesPerRequest: number | null;
  /** A hard bound on each command; unset when the caller bounds its calls itself. */
  commandTimeoutMs?: number;
  /** Reconnect quickly and forever, at most this long between attempts. */
  maxReconnectDelayMs: number;
  /**
   * For one-off scripts: connect on `connect()` (which resolves once commands can be sent, on
   * a cluster after the slot map is loaded) and never reconnect, so a Redis that is away fails
   * the script at once instead of retrying forever.
   */
  oneShot?: boolean;
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
  const retryStrategy = options.oneShot
    ? () => null
    : (attempt: number) => Math.min(attempt * 100, options.maxReconnectDelayMs);
  const nodeOptions: RedisOptions = {
    ...connectionOptions(redis),
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
      lazyConnect: options.oneShot,
    };
    return new Cluster(redis.clusterNodes, clusterOptions);
  }
  return new Redis({
    ...nodeOptions,
    host: redis.host,
    port: redis.port,
    enableOfflineQueue: false,
    retryStrategy,
    lazyConnect: options.oneShot,
  });
}

/** What every connection to a node shares: the password and the connect bound. */
function connectionOptions(redis: RedisConfig): RedisOptions {
  return { password: redis.password, connectTimeout: CONNECT_TIMEOUT_MS };
}

/**
 * A plain connection to one node: REDIS_HOST's server, or one node of the cluster, for a
 * caller that chooses the node itself and reconnects by choosing again (the pub/sub
 * subscriber). It never reconnects by itself and has no offline queue.
 */
export function createIoRedisNodeConnection(
  redis: RedisConfig,
  node: RedisNode,
  options: Pick<RedisOptions, 'autoResubscribe' | 'maxRetriesPerRequest' | 'connectionName'> = {},
): Redis {
  return new Redis({
    ...connectionOptions(redis),
    ...options,
    host: node.host,
    port: node.port,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
}

/**
 * The nodes one can connect to: REDIS_HOST's server; on a cluster every node `client` knows
 * from its slot map (the masters a running cluster grew to), else the seed nodes.
 */
export function knownNodes(redis: RedisConfig, client?: IoRedisClient): RedisNode[] {
  if (!redis.clusterNodes) return [{ host: redis.host ?? '127.0.0.1', port: redis.port }];
  const discovered = client instanceof Cluster ? client.nodes('all') : [];
  if (discovered.length === 0) return redis.clusterNodes;
  return discovered.map((node) => ({
    host: node.options.host ?? '127.0.0.1',
    port: node.options.port ?? 6379,
  }));
}

/** The servers that hold keys: the one server, or every master of the cluster (a script's SCAN must visit each). */
export function keyHoldingNodes(client: IoRedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
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

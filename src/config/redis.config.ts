import type { Env } from './env.schema';

export interface RedisNode {
  host: string;
  port: number;
}

/** The 'redis' section of the configuration, from the validated environment (see loadConfig). */
export function redisConfig(env: Env) {
  return {
    host: env.REDIS_HOST,
    port: env.REDIS_PORT,
    password: env.REDIS_PASSWORD,
    prefix: env.REDIS_PREFIX,
    /** Set: a Redis Cluster, reached through these seed nodes (REDIS_HOST is then unset). */
    clusterNodes: env.REDIS_CLUSTER_NODES ? parseClusterNodes(env.REDIS_CLUSTER_NODES) : undefined,
  };
}

export type RedisConfig = ReturnType<typeof redisConfig>;

/** Whether any Redis is configured; without one the app runs with no Redis at all. */
export function redisConfigured(redis: Pick<RedisConfig, 'host' | 'clusterNodes'>): boolean {
  return Boolean(redis.host || redis.clusterNodes);
}

/** `a:7001, [::1]:7002` -> [{ host: 'a', port: 7001 }, { host: '::1', port: 7002 }] (validated by env.schema.ts). */
export function parseClusterNodes(value: string): RedisNode[] {
  return value.split(',').map((pair) => {
    const trimmed = pair.trim();
    const colon = trimmed.lastIndexOf(':');
    return { host: trimmed.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(trimmed.slice(colon + 1)) };
  });
}

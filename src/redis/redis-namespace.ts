import type Redis from 'ioredis';
import type { RedisConfig } from '../config/redis.config';
import { createIoRedisClient, keyHoldingNodes } from './ioredis-client';

const SCAN_PAGE = 1000;

/**
 * Operator actions on the app's own Redis keys, for the command-line scripts. Everything the
 * app writes is named after `<REDIS_PREFIX>:` (the product cache `<prefix>:cache::*`, queues
 * `<prefix>:<database id>:hold-expiry:*`, spent waiting-room proofs
 * `<prefix>:<database id>:queue-pow:*`, the products with an open waiting-room line
 * `<prefix>:<database id>:queue-open`) or, where a key's hash tag must hold it, after
 * `{<REDIS_PREFIX>:` (rate-limit counters `{<prefix>:rate-limit:...}:hits`, and the queues on
 * a Redis Cluster, `{<prefix>:<database id>}:hold-expiry:*`). The patterns never reach past
 * these, so another deployment sharing the Redis (another prefix) keeps its keys.
 */
export async function clearAppNamespace(redis: RedisConfig): Promise<number> {
  const prefix = escapeGlob(redis.prefix);
  return deleteMatching(redis, [`${prefix}:*`, `{${prefix}:*`]);
}

/**
 * The keys of one namespace a feature owns (`<namespace>::*`, cache-manager's separator),
 * named by the caller: the product cache passes its own (see clearProductCache).
 */
export async function clearNamespace(redis: RedisConfig, namespace: string): Promise<number> {
  return deleteMatching(redis, [`${escapeGlob(namespace)}::*`]);
}

/**
 * SCAN + UNLINK in pages on every server that holds keys (each master of a cluster: a SCAN
 * sees one node's keys only): never a blocking KEYS, never one huge DEL. Returns how many went.
 * A master that is away fails the whole call: the caller must not report a namespace cleared
 * that was not.
 */
async function deleteMatching(redis: RedisConfig, patterns: string[]): Promise<number> {
  const client = createIoRedisClient(redis, {
    maxRetriesPerRequest: 1,
    maxReconnectDelayMs: 0,
    oneShot: true,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let deleted = 0;
    for (const node of keyHoldingNodes(client)) {
      for (const pattern of patterns) deleted += await deleteOnNode(node, pattern);
    }
    return deleted;
  } finally {
    client.disconnect();
  }
}

async function deleteOnNode(node: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_PAGE);
    cursor = next;
    if (keys.length === 0) continue;
    // One UNLINK per key, pipelined: a cluster node refuses a multi-key command whose keys
    // hash to different slots (CROSSSLOT), even when it holds them all.
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.unlink(key);
    for (const [error, count] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      deleted += Number(count);
    }
  } while (cursor !== '0');
  return deleted;
}

/** REDIS_PREFIX is taken literally, even when it holds a glob character. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

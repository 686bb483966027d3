import Redis from 'ioredis';
import type { RedisConfig } from '../config/redis.config';
import { productCacheNamespace } from '../products/product-cache.store';

/**
 * Operator actions on the app's own Redis keys, for the command-line scripts. Everything the
 * app writes lives under `<REDIS_PREFIX>:` (queues `<prefix>:<database id>:hold-expiry:*`, the product cache
 * `<prefix>:cache::*`); a pattern never reaches past it, so another deployment sharing the
 * Redis (another prefix) keeps its keys.
 */
export async function clearAppNamespace(redis: RedisConfig): Promise<number> {
  return deleteMatching(redis, `${escapeGlob(redis.prefix)}:*`);
}

/** The product cache only: readers start new generations and read the database. */
export async function clearProductCache(redis: RedisConfig): Promise<number> {
  return deleteMatching(redis, `${escapeGlob(productCacheNamespace(redis.prefix))}::*`);
}

/** SCAN + UNLINK in pages: never a blocking KEYS, never one huge DEL. Returns how many went. */
async function deleteMatching(redis: RedisConfig, pattern: string): Promise<number> {
  const client = new Redis({
    host: redis.host,
    port: redis.port,
    password: redis.password,
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) deleted += await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}

/** REDIS_PREFIX is taken literally, even when it holds a glob character. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

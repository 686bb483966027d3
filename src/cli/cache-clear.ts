import 'reflect-metadata';
import { loadEnvFileIfPresent } from '../config/env-file';
import { loadConfig } from '../config/configuration';
import { redisConfigured } from '../config/redis.config';
import { clearProductCache } from '../products/cache/product-cache.store';

/**
 * `npm run cache:clear`: drops every cached product answer under REDIS_PREFIX (on every
 * master of a Redis Cluster), for an operator who changed product rows by hand (stock changes
 * made through the API invalidate the cache themselves). Readers then start new generations
 * and read the database.
 */
async function main() {
  loadEnvFileIfPresent();
  const { redis } = loadConfig();
  if (!redisConfigured(redis)) {
    console.error(
      'No REDIS_HOST or REDIS_CLUSTER_NODES: the product cache lives in the API process (memory) and goes with it. ' +
        'Restart the API, or wait PRODUCT_CACHE_TTL_SECONDS, to read hand-made changes.',
    );
    process.exit(1);
  }
  const deleted = await clearProductCache(redis);
  console.log(`Product cache under '${redis.prefix}:' cleared (${deleted} keys).`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

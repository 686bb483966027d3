import type { Env } from './env.schema';

/** The 'cache' section of the configuration, from the validated environment (see loadConfig). */
export function cacheConfig(env: Env) {
  return {
    productTtlSeconds: env.PRODUCT_CACHE_TTL_SECONDS,
  };
}

export type CacheConfig = ReturnType<typeof cacheConfig>;

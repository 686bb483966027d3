import { registerAs } from '@nestjs/config';
import { validateEnv } from './env.validation';

export const cacheConfig = registerAs('cache', () => {
  const env = validateEnv(process.env);
  return {
    productTtlSeconds: env.PRODUCT_CACHE_TTL_SECONDS,
  };
});

export type CacheConfig = ReturnType<typeof cacheConfig>;

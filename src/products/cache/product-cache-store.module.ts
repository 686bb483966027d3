import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/config.types';
import { IoRedisClient } from '../../redis/ioredis-client';
import { REDIS_CLIENT, RedisConnectionModule } from '../../redis/redis-connection.module';
import { createProductCacheStore, PRODUCT_CACHE_STORE } from './product-cache.store';

/**
 * One store per app, shared by the cache module and ProductCache, over the process's one Redis
 * connection (RedisConnectionModule closes it at shutdown; the store's disconnect leaves it).
 */
@Module({
  imports: [RedisConnectionModule],
  providers: [
    {
      provide: PRODUCT_CACHE_STORE,
      inject: [ConfigService, REDIS_CLIENT],
      useFactory: (config: ConfigService<AllConfig, true>, client: IoRedisClient | null) =>
        createProductCacheStore(client, config.getOrThrow('redis.prefix', { infer: true })),
    },
  ],
  exports: [PRODUCT_CACHE_STORE],
})
export class ProductCacheStoreModule {}

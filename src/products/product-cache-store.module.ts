import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types';
import { createProductCacheStore, PRODUCT_CACHE_STORE } from './product-cache.store';

/**
 * One store per app, shared by the cache module and ProductCache (so one Redis connection);
 * @nestjs/cache-manager disconnects its Keyv stores at shutdown.
 */
@Module({
  providers: [
    {
      provide: PRODUCT_CACHE_STORE,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        createProductCacheStore(config.getOrThrow('redis', { infer: true })),
    },
  ],
  exports: [PRODUCT_CACHE_STORE],
})
export class ProductCacheStoreModule {}

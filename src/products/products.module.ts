import { CacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import type { AllConfig } from '../config/config.types';
import { Product } from './product.entity';
import { ProductCache } from './cache/product-cache';
import { ProductChanges } from './changes/product-changes';
import { ProductCacheInterceptor } from './cache/product-cache.interceptor';
import { ProductCacheStoreModule } from './cache/product-cache-store.module';
import { PRODUCT_CACHE_STORE, ProductCacheStore } from './cache/product-cache.store';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';
import { ProductStock } from './stock/product-stock';
import { StockMovement } from './stock/stock-movement.entity';
import { StockMovementsRepository } from './stock/stock-movements.repository';

@Module({
  imports: [
    TypeOrmModule.forFeature([Product, StockMovement]),
    DatabaseModule,
    ProductCacheStoreModule,
    // Not global: only the product routes may use this cache.
    CacheModule.registerAsync({
      imports: [ProductCacheStoreModule],
      inject: [ConfigService, PRODUCT_CACHE_STORE],
      useFactory: (config: ConfigService<AllConfig, true>, store: ProductCacheStore) => ({
        stores: store.stores,
        ttl: config.getOrThrow('cache.productTtlSeconds', { infer: true }) * 1000,
      }),
    }),
  ],
  controllers: [ProductsController],
  providers: [
    ProductsService,
    ProductsRepository,
    ProductStock,
    StockMovementsRepository,
    ProductCache,
    ProductCacheInterceptor,
    ProductChanges,
  ],
  // ProductStock: every stock change (and its after-commit step). ProductsService: reads and
  // product details. ProductChanges: the live stock streams. ProductCache: the health check.
  exports: [ProductStock, ProductsService, ProductChanges, ProductCache],
})
export class ProductsModule {}

import { CACHE_MANAGER, Cache, CacheInterceptor } from '@nestjs/cache-manager';
import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { parseId } from '../common/pipes/parse-id.pipe';
import { ProductCache } from './product-cache';

/**
 * Caches GET /api/products/:id only (opt in per route with @UseInterceptors). The base
 * CacheInterceptor serves hits, sets X-Cache and stores answers; this subclass only
 * chooses the key, which carries the product's current generation. trackBy runs before
 * the handler, so the generation is always read before the database is.
 */
@Injectable()
export class ProductCacheInterceptor extends CacheInterceptor {
  constructor(
    @Inject(CACHE_MANAGER) cacheManager: Cache,
    reflector: Reflector,
    private readonly productCache: ProductCache,
  ) {
    super(cacheManager, reflector);
  }

  protected override async trackBy(context: ExecutionContext): Promise<string | undefined> {
    if (!this.isRequestCacheable(context)) return undefined;
    const params = context.switchToHttp().getRequest<FastifyRequest<{ Params: { id?: string } }>>().params;
    // An invalid id is refused by ParseIdPipe after this; there is nothing to cache.
    const productId = parseId(params.id);
    return productId === undefined ? undefined : this.productCache.keyFor(productId);
  }
}

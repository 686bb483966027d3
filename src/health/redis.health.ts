import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ProductCache } from '../products/product-cache';

/** Redis as this process uses it: the product cache's connection, with the cache's short timeout. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly productCache: ProductCache,
  ) {}

  async check<const Key extends string>(key: Key) {
    const indicator = this.indicators.check(key);
    const { store, up } = await this.productCache.ping();
    return up
      ? indicator.up({ store })
      : indicator.down({ store, message: 'Redis does not answer: product reads are served from the database' });
  }
}

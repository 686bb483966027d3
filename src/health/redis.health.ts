import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthCheckResult, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { AllConfig } from '../config/config.types';
import { redisConfigured } from '../config/redis.config';
import { ProductCache } from '../products/cache/product-cache';

const NOT_CONFIGURED = {
  redis: {
    status: 'not_configured',
    message:
      'REDIS_HOST is not set: product reads are cached in this process and the sweeper releases expired holds',
  },
} as unknown as HealthIndicatorResult<'redis'>;

/** Redis as this process uses it: the product cache's connection, with the cache's short timeout. */
@Injectable()
export class RedisHealthIndicator {
  /** False in embedded mode (no REDIS_HOST nor REDIS_CLUSTER_NODES): there is nothing to check. */
  readonly configured: boolean;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly productCache: ProductCache,
    config: ConfigService<AllConfig, true>,
  ) {
    this.configured = redisConfigured(config.getOrThrow('redis', { infer: true }));
  }

  async check<const Key extends string>(key: Key) {
    const indicator = this.indicators.check(key);
    const { store, up } = await this.productCache.ping();
    return up
      ? indicator.up({ store })
      : indicator.down({
          store,
          message: 'Redis does not answer: product reads are served from the database',
        });
  }
}

/**
 * Reports Redis as `not_configured` in embedded mode. Added after Terminus ran the checks,
 * because Terminus drops any status but up and down; a mode, not a fault, it leaves the status as it is.
 */
export function withRedisNotConfigured(result: HealthCheckResult): HealthCheckResult {
  return {
    ...result,
    info: { ...result.info, ...NOT_CONFIGURED },
    details: { ...result.details, ...NOT_CONFIGURED },
  };
}

import { applyDecorators, Module, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { getToken, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ApiErrors, RATE_LIMIT_ERRORS } from '../common/http/api-responses';
import type { AllConfig } from '../config/config.types';
import { redisConfigured } from '../config/redis.config';
import { createIoRedisClient } from '../redis/ioredis-client';
import { RedisAvailability } from '../redis/redis-availability';
import { RATE_LIMIT_STORE_TIMEOUT_MS, RedisRateLimitStorage } from './redis-rate-limit.storage';

const MINUTE_MS = 60_000;
export const RATE_LIMIT_UNCOUNTED_METRIC = 'flash_sale_rate_limit_unavailable_total';

@Module({
  providers: [
    makeCounterProvider({
      name: RATE_LIMIT_UNCOUNTED_METRIC,
      help: 'Requests let through without being counted because the rate-limit store (Redis) was unavailable',
    }),
  ],
  exports: [getToken(RATE_LIMIT_UNCOUNTED_METRIC)],
})
class RateLimitMetricsModule {}

/**
 * RATE_LIMIT_PER_MINUTE requests per client IP and route (see TRUST_PROXY for what the
 * client's IP is), 0 = off. With Redis configured (a server or a cluster) the count is shared
 * by every API process (RedisRateLimitStorage, failing open when Redis is down); without
 * Redis (embedded mode, one process) it is kept in this process's memory.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitMetricsModule],
      inject: [ConfigService, getToken(RATE_LIMIT_UNCOUNTED_METRIC)],
      useFactory: (config: ConfigService<AllConfig, true>, uncounted: Counter) => {
        const limit = config.getOrThrow('app.rateLimitPerMinute', { infer: true });
        const redis = config.getOrThrow('redis', { infer: true });
        const shared = limit > 0 && redisConfigured(redis);
        return {
          throttlers: [{ name: 'default', ttl: MINUTE_MS, limit: Math.max(limit, 1) }],
          skipIf: () => limit === 0,
          ...(shared && {
            storage: new RedisRateLimitStorage(
              new RedisAvailability('rate-limit').watch(
                createIoRedisClient(redis, {
                  maxRetriesPerRequest: 0,
                  commandTimeoutMs: RATE_LIMIT_STORE_TIMEOUT_MS,
                  maxReconnectDelayMs: 1_000,
                }),
              ),
              `${redis.prefix}:rate-limit`,
              uncounted,
            ),
          }),
        };
      },
    }),
  ],
})
export class RateLimitModule {}

/**
 * Opts a route in: over the limit it answers 429 TOO_MANY_REQUESTS with Retry-After (seconds)
 * before anything else runs. Keys are per route (the guard's key names the handler). Used by
 * POST /api/holds, POST /api/orders and the admin controller; never by the payment webhook,
 * which a provider delivers from a few addresses (in bursts when it redelivers), where a 429
 * would only delay payments, and which its signature already guards.
 */
export function RateLimited() {
  return applyDecorators(UseGuards(ThrottlerGuard), ApiErrors(RATE_LIMIT_ERRORS));
}

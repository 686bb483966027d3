import { applyDecorators, Module, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ApiErrors, RATE_LIMIT_ERRORS } from '../common/http/api-responses';
import type { AllConfig } from '../config/config.types';

const MINUTE_MS = 60_000;

/**
 * RATE_LIMIT_PER_MINUTE requests per client IP and route (see TRUST_PROXY for what the
 * client's IP is), 0 = off. Counted in this process's memory: N API processes let a client
 * through N times as often, which bounds a buyer's bot without a Redis round trip per request.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const limit = config.getOrThrow('app.rateLimitPerMinute', { infer: true });
        return {
          throttlers: [{ name: 'default', ttl: MINUTE_MS, limit: Math.max(limit, 1) }],
          skipIf: () => limit === 0,
        };
      },
    }),
  ],
})
export class RateLimitModule {}

/**
 * Opts a route in: over the limit it answers 429 TOO_MANY_REQUESTS with Retry-After (seconds)
 * before anything else runs. Keys are per route (the guard's key names the handler).
 */
export function RateLimited() {
  return applyDecorators(UseGuards(ThrottlerGuard), ApiErrors(RATE_LIMIT_ERRORS));
}

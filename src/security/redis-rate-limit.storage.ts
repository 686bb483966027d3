import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Cluster } from 'ioredis';
import type { Counter } from 'prom-client';
import { withTimeout } from '../common/with-timeout';
import { IoRedisClient, isClientUp } from '../redis/ioredis-client';

/**
 * A rate-limit check may delay a request this long at most; then it lets the request through.
 * Not shorter: the bound is a timer, so it also counts event-loop lag, and a busy API process
 * (a burst of hundreds of requests on 2 cores) measured replies later than 250 ms that Redis
 * had answered in microseconds. An unreachable Redis fails at once anyway (no offline queue).
 */
export const RATE_LIMIT_STORE_TIMEOUT_MS = 1_000;
const QUIT_TIMEOUT_MS = 1_000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** What the guard gets when the store cannot count: not blocked (fail open). */
const NOT_COUNTED: ThrottlerStorageRecord = {
  totalHits: 0,
  timeToExpire: 0,
  isBlocked: false,
  timeToBlockExpire: 0,
};

/**
 * The rate limit counted in Redis (one server or a cluster), so every API process shares one
 * count per client and route: N processes allow RATE_LIMIT_PER_MINUTE in total, not N times
 * it. The counting is @nest-lab/throttler-storage-redis's atomic Lua script, whose two keys
 * per counter share a hash tag (cluster-safe); keys live under `<REDIS_PREFIX>:rate-limit:`.
 *
 * Redis down or slow: the limit fails open. Holds must keep selling through a Redis outage
 * (Redis is never needed for correctness); an unlimited minute is the lesser harm. Each
 * request let through uncounted is counted in `flash_sale_rate_limit_unavailable_total`, and
 * the outage is logged once when it starts and once when it ends.
 */
export class RedisRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly counter: ThrottlerStorageRedisService;
  private failing = false;

  constructor(
    private readonly redis: IoRedisClient,
    private readonly keyPrefix: string,
    private readonly uncounted: Counter,
  ) {
    // Two overloads, one per client kind (it must be handed the same ioredis classes it imports).
    this.counter =
      redis instanceof Cluster
        ? new ThrottlerStorageRedisService(redis)
        : new ThrottlerStorageRedisService(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      if (!isClientUp(this.redis)) throw new Error(`Redis connection is ${this.redis.status}`);
      const record = await withTimeout(
        this.counter.increment(`${this.keyPrefix}:${key}`, ttl, limit, blockDuration, throttlerName),
        RATE_LIMIT_STORE_TIMEOUT_MS,
      );
      if (this.failing) {
        this.failing = false;
        this.logger.log({ event: 'rate_limit.store_recovered' });
      }
      return record;
    } catch (error) {
      this.uncounted.inc();
      if (!this.failing) {
        this.failing = true;
        this.logger.warn({ event: 'rate_limit.store_unavailable', reason: (error as Error).message });
      }
      return NOT_COUNTED;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Unreachable: nothing is pending, and quit() would wait for an answer that never comes.
    if (!isClientUp(this.redis)) return this.redis.disconnect();
    await withTimeout(this.redis.quit(), QUIT_TIMEOUT_MS).catch(() => this.redis.disconnect());
  }
}

import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { withTimeout } from '../common/with-timeout';
import type { AllConfig } from '../config/config.types';
import { redisConfigured } from '../config/redis.config';
import { createIoRedisClient, IoRedisClient, isClientUp } from './ioredis-client';
import { RedisAvailability, watchDuplicates } from './redis-availability';

/** The process's Redis command connection (one server or a cluster); null in embedded mode (no Redis). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Reconnect quickly and forever: when Redis is back, queueing and caching resume within a second, without a restart. */
const RECONNECT_MAX_DELAY_MS = 1_000;
const QUIT_TIMEOUT_MS = 1_000;
/**
 * How long boot waits for the connection: a process that starts serving before it is ready
 * reads its first products from the database and caches nothing. Redis stays optional: past
 * this bound the process starts anyway and connects in the background.
 */
const READY_AT_BOOT_TIMEOUT_MS = 2_000;

/**
 * One ioredis connection for the hold-expiry queue and the product cache (BullMQ's Worker
 * makes its own duplicates for blocking reads):
 * - no offline queue: while Redis is down a command fails at once instead of piling up in
 *   memory and making an HTTP request wait; every caller bounds its own calls;
 * - `maxRetriesPerRequest: null`: required by BullMQ for the Worker's blocking connection.
 */
function createRedisClient(config: ConfigService<AllConfig, true>): IoRedisClient | null {
  const settings = config.getOrThrow('redis', { infer: true });
  if (!redisConfigured(settings)) return null;
  const redis = createIoRedisClient(settings, {
    maxRetriesPerRequest: null,
    maxReconnectDelayMs: RECONNECT_MAX_DELAY_MS,
  });
  // The cache, the queue and /health share it; BullMQ's Worker duplicates it for its blocking reads.
  new RedisAvailability('commands').watch(redis);
  watchDuplicates(redis, 'queue-worker');
  return redis;
}

@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<AllConfig, true>) => {
        const redis = createRedisClient(config);
        if (redis && !isClientUp(redis)) {
          const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
          await withTimeout(ready, READY_AT_BOOT_TIMEOUT_MS).catch(() => undefined);
        }
        return redis;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: IoRedisClient | null) {}

  /**
   * The Worker has stopped by now (HoldExpiryProcessor.onModuleDestroy), the hold-expiry queue
   * leaves the connection it was given (BullHoldExpiryScheduler closes the queue only), and the
   * cache's store leaves it to this module. quit() lets pending replies arrive; it is bounded
   * when Redis hangs, and skipped while Redis is unreachable (nothing is pending then, and
   * nothing would answer).
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.redis) return;
    if (!isClientUp(this.redis)) return this.redis.disconnect();
    await withTimeout(this.redis.quit(), QUIT_TIMEOUT_MS).catch(() => this.redis!.disconnect());
  }
}

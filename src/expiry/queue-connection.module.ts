import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types';
import { withTimeout } from '../common/with-timeout';
import { createIoRedisClient, IoRedisClient } from '../redis/ioredis-client';

export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/** Reconnect quickly and forever: when Redis is back, queueing resumes within a second, without a restart. */
const RECONNECT_MAX_DELAY_MS = 1_000;
const QUIT_TIMEOUT_MS = 1_000;

/**
 * The Redis connection (one server or a cluster) of the hold-expiry queue. The Queue uses it
 * as is; BullMQ gives each Worker duplicates of it (same options), so:
 * - no offline queue: while Redis is down a command fails at once instead of piling up in
 *   memory and making an HTTP request wait;
 * - `maxRetriesPerRequest: null`: required by BullMQ for the Worker's blocking connection.
 */
function createQueueRedis(config: ConfigService<AllConfig, true>, logger: Logger): IoRedisClient {
  const redis = createIoRedisClient(config.getOrThrow('redis', { infer: true }), {
    maxRetriesPerRequest: null,
    maxReconnectDelayMs: RECONNECT_MAX_DELAY_MS,
  });
  // ioredis reports every failed reconnect; say it once per outage.
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ event: 'redis.unavailable', reason: error.message });
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log({ event: 'redis.recovered' });
  });
  return redis;
}

@Module({
  providers: [
    {
      provide: QUEUE_REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        createQueueRedis(config, new Logger('QueueRedis')),
    },
  ],
  exports: [QUEUE_REDIS],
})
export class QueueConnectionModule implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_REDIS) private readonly redis: IoRedisClient) {}

  /**
   * The Worker has stopped by now (HoldExpiryProcessor.onModuleDestroy), and a Queue never
   * closes a connection it was given. quit() lets pending replies arrive; it fails at once
   * when Redis is down (no offline queue) and is bounded when Redis hangs.
   */
  async onApplicationShutdown(): Promise<void> {
    await withTimeout(this.redis.quit(), QUIT_TIMEOUT_MS).catch(() => this.redis.disconnect());
  }
}

import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Queue } from 'bullmq';
import type { AllConfig } from '../../config/config.types';
import { DatabaseIdentity } from '../../database/database-identity';
import { DatabaseModule } from '../../database/database.module';
import { clusterSafe, IoRedisClient } from '../../redis/ioredis-client';
import { REDIS_CLIENT, RedisConnectionModule } from '../../redis/redis-connection.module';
import { BullHoldExpiryScheduler } from './bullmq-hold-expiry.scheduler';
import { HOLD_EXPIRY_QUEUE, HoldExpiryJobData, queuePrefix } from './hold-expiry.jobs';
import { HoldExpiryScheduler, NoopHoldExpiryScheduler } from './hold-expiry.scheduler';

/** The hold-expiry queue, or null without Redis. HoldExpiryQueueModule exposes it under @nestjs/bullmq's token. */
export const HOLD_EXPIRY_QUEUE_OR_NONE = Symbol('HOLD_EXPIRY_QUEUE_OR_NONE');

/**
 * Scheduling, what holds call: HoldExpiryScheduler over the hold-expiry queue when the process
 * has Redis, a no-op without it (embedded mode: the sweeper alone releases expired holds).
 * It needs nothing from holds, so HoldsModule imports it directly: no cycle, nothing global.
 * What runs the jobs is HoldExpiryWorkersModule, loaded only where a worker runs (Immich
 * splits queue() from startWorkers() the same way). Whether there is Redis is decided once,
 * by RedisConnectionModule's client (null without REDIS_HOST or REDIS_CLUSTER_NODES).
 */
@Module({
  imports: [RedisConnectionModule, DatabaseModule],
  providers: [
    {
      provide: HOLD_EXPIRY_QUEUE_OR_NONE,
      inject: [REDIS_CLIENT, ConfigService, DatabaseIdentity],
      useFactory: (
        redis: IoRedisClient | null,
        config: ConfigService<AllConfig, true>,
        database: DatabaseIdentity,
      ): Queue<HoldExpiryJobData> | null => {
        if (!redis) return null;
        const redisConfig = config.getOrThrow('redis', { infer: true });
        return new Queue<HoldExpiryJobData>(HOLD_EXPIRY_QUEUE, {
          connection: redis,
          // Keys are `<REDIS_PREFIX>:<database id>:hold-expiry:...`, apart from other
          // deployments, other databases and the cache; hash-tagged on a cluster.
          prefix: clusterSafe(queuePrefix(redisConfig.prefix, database.id), redisConfig),
        });
      },
    },
    {
      provide: HoldExpiryScheduler,
      inject: [HOLD_EXPIRY_QUEUE_OR_NONE, REDIS_CLIENT, DatabaseIdentity],
      useFactory: (
        queue: Queue<HoldExpiryJobData> | null,
        redis: IoRedisClient | null,
        database: DatabaseIdentity,
      ): HoldExpiryScheduler =>
        queue && redis ? new BullHoldExpiryScheduler(queue, redis, database) : new NoopHoldExpiryScheduler(),
    },
  ],
  exports: [HoldExpiryScheduler, HOLD_EXPIRY_QUEUE_OR_NONE],
})
export class HoldExpirySchedulingModule {}

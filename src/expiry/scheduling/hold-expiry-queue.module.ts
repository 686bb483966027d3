import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { REDIS_CLIENT, RedisConnectionModule } from '../../redis/redis-connection.module';
import { HOLD_EXPIRY_QUEUE } from './hold-expiry.jobs';
import { HOLD_EXPIRY_QUEUE_OR_NONE, HoldExpirySchedulingModule } from './hold-expiry-scheduling.module';

/** The hold-expiry queue's Redis connection: the process's one command connection (see RedisConnectionModule). */
export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/**
 * The hold-expiry queue under @nestjs/bullmq's token, where the worker's processor finds its
 * options (HoldExpiryWorkersModule), and its connection. Imported by AppModule only when Redis
 * is configured: an embedded process has neither.
 */
@Module({
  imports: [HoldExpirySchedulingModule, RedisConnectionModule],
  providers: [
    { provide: getQueueToken(HOLD_EXPIRY_QUEUE), useExisting: HOLD_EXPIRY_QUEUE_OR_NONE },
    { provide: QUEUE_REDIS, useExisting: REDIS_CLIENT },
  ],
  exports: [getQueueToken(HOLD_EXPIRY_QUEUE), QUEUE_REDIS],
})
export class HoldExpiryQueueModule {}

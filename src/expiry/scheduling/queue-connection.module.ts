import { Module } from '@nestjs/common';
import { REDIS_CLIENT, RedisConnectionModule } from '../../redis/redis-connection.module';

/** The hold-expiry queue's Redis connection: the process's one command connection (see RedisConnectionModule). */
export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

@Module({
  imports: [RedisConnectionModule],
  providers: [{ provide: QUEUE_REDIS, useExisting: REDIS_CLIENT }],
  exports: [QUEUE_REDIS],
})
export class QueueConnectionModule {}

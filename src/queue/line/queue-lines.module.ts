import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/config.types';
import { DatabaseIdentity } from '../../database/database-identity';
import { DatabaseModule } from '../../database/database.module';
import type { IoRedisClient } from '../../redis/ioredis-client';
import { REDIS_CLIENT, RedisConnectionModule } from '../../redis/redis-connection.module';
import { MemoryQueueLines } from './memory-queue-lines';
import { QueueLines } from './queue-lines';
import { RedisQueueLines } from './redis-queue-lines';

/** One line store per process, chosen once: Redis in scale-out mode, in process in embedded mode. */
@Module({
  imports: [RedisConnectionModule, DatabaseModule],
  providers: [
    {
      provide: QueueLines,
      inject: [REDIS_CLIENT, ConfigService, DatabaseIdentity],
      useFactory: (
        redis: IoRedisClient | null,
        config: ConfigService<AllConfig, true>,
        database: DatabaseIdentity,
      ): QueueLines =>
        redis
          ? new RedisQueueLines(redis, `${config.getOrThrow('redis.prefix', { infer: true })}:${database.id}`)
          : new MemoryQueueLines(),
    },
  ],
  exports: [QueueLines],
})
export class QueueLinesModule {}

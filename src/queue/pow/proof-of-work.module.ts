import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/config.types';
import { DatabaseIdentity } from '../../database/database-identity';
import { DatabaseModule } from '../../database/database.module';
import type { IoRedisClient } from '../../redis/ioredis-client';
import { REDIS_CLIENT, RedisConnectionModule } from '../../redis/redis-connection.module';
import { JoinProofOfWork } from './join-proof-of-work';
import { MemorySpentChallenges, RedisSpentChallenges, SpentChallenges } from './spent-challenges';

/** The join's proof of work; spent solutions in Redis in scale-out mode, in process in embedded mode. */
@Module({
  imports: [RedisConnectionModule, DatabaseModule],
  providers: [
    {
      provide: SpentChallenges,
      inject: [REDIS_CLIENT, ConfigService, DatabaseIdentity],
      useFactory: (
        redis: IoRedisClient | null,
        config: ConfigService<AllConfig, true>,
        database: DatabaseIdentity,
      ): SpentChallenges =>
        redis
          ? new RedisSpentChallenges(
              redis,
              `${config.getOrThrow('redis.prefix', { infer: true })}:${database.id}`,
            )
          : new MemorySpentChallenges(),
    },
    JoinProofOfWork,
  ],
  exports: [JoinProofOfWork],
})
export class ProofOfWorkModule {}

import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import type { AllConfig } from '../config/config.types';
import { clusterSafe, IoRedisClient } from '../redis/ioredis-client';
import { HoldsModule } from '../holds/holds.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SaleMetricsModule } from '../metrics/sale-metrics.module';
import { OrdersModule } from '../orders/orders.module';
import { BullHoldExpiryScheduler } from './scheduling/bullmq-hold-expiry.scheduler';
import { ExpiredHoldsSweeper } from './working/expired-holds.sweeper';
import { HOLD_EXPIRY_QUEUE, queuePrefix } from './scheduling/hold-expiry.jobs';
import { DatabaseIdentity } from '../database/database-identity';
import { HoldExpiryProcessor } from './working/hold-expiry.processor';
import { HoldExpiryScheduler, NoopHoldExpiryScheduler } from './scheduling/hold-expiry.scheduler';
import { QUEUE_REDIS, QueueConnectionModule } from './scheduling/queue-connection.module';
import { UnpaidOrdersSweeper } from './working/unpaid-orders.sweeper';

export interface ExpiryOptions {
  /** Delayed BullMQ jobs in Redis. Without it the sweeper alone releases expired holds. */
  queue: boolean;
  /** Release holds in this process: the BullMQ worker (with `queue`) and the sweeper. */
  worker: boolean;
}

/**
 * Hold expiry: a delayed job per hold for on-time release, and a sweeper as the safety net.
 * Global, because HoldsService and OrdersService schedule and cancel through
 * HoldExpiryScheduler while the processor and sweeper need HoldsService. Everything that
 * touches BullMQ or Redis is chosen here, so a deployment without Redis drops it in one place.
 */
@Module({})
export class ExpiryModule {
  static forRoot({ queue, worker }: ExpiryOptions): DynamicModule {
    const imports: DynamicModule['imports'] = [HoldsModule, IdempotencyModule];
    const providers: Provider[] = [];
    if (queue) {
      imports.push(
        QueueConnectionModule,
        BullModule.forRootAsync({
          imports: [QueueConnectionModule],
          inject: [QUEUE_REDIS, ConfigService, DatabaseIdentity],
          useFactory: (
            redis: IoRedisClient,
            config: ConfigService<AllConfig, true>,
            database: DatabaseIdentity,
          ) => {
            const redisConfig = config.getOrThrow('redis', { infer: true });
            return {
              connection: redis,
              // Keys are `<REDIS_PREFIX>:<database id>:hold-expiry:...`, apart from other
              // deployments, other databases and the cache; hash-tagged on a cluster.
              prefix: clusterSafe(queuePrefix(redisConfig.prefix, database.id), redisConfig),
            };
          },
        }),
        BullModule.registerQueue({ name: HOLD_EXPIRY_QUEUE }),
      );
      providers.push({ provide: HoldExpiryScheduler, useClass: BullHoldExpiryScheduler });
      if (worker) providers.push(HoldExpiryProcessor);
    } else {
      providers.push({ provide: HoldExpiryScheduler, useClass: NoopHoldExpiryScheduler });
    }
    if (worker) {
      imports.push(ScheduleModule.forRoot(), OrdersModule, SaleMetricsModule);
      providers.push(ExpiredHoldsSweeper, UnpaidOrdersSweeper);
    }
    return {
      module: ExpiryModule,
      global: true,
      imports,
      providers,
      exports: [HoldExpiryScheduler],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminModule } from './admin/admin.module';
import { BoardModule } from './board/board.module';
import { ConsoleModule } from './console/console.module';
import type { AllConfig } from './config/config.types';
import { loadConfig } from './config/configuration';
import { redisConfigured } from './config/redis.config';
import { DatabaseModule } from './database/database.module';
import { HoldExpiryQueueModule } from './expiry/scheduling/hold-expiry-queue.module';
import { HoldExpiryWorkersModule } from './expiry/working/hold-expiry-workers.module';
import { HealthModule } from './health/health.module';
import { HoldsModule } from './holds/holds.module';
import { MetricsModule } from './metrics/metrics.module';
import { LoggingModule } from './observability/logging.module';
import { OrdersModule } from './orders/orders.module';
import { PaymentsModule } from './payments/payments.module';
import { QueueAdmissionModule } from './queue/admission/queue-admission.module';
import { QueueModule } from './queue/queue.module';
import { ProductsModule } from './products/products.module';
import { RateLimitModule } from './security/rate-limit';
import { StreamModule } from './stream/stream.module';

export interface AppModuleOptions {
  /**
   * false in the worker process (src/worker.ts): no HTTP, and it always runs the expiry
   * worker and sweeper. The HTTP process runs them too unless WORKER_ENABLED=false.
   */
  http?: boolean;
  /** The validated configuration (see loadConfig); by default read from process.env as it is now. */
  config?: AllConfig;
}

/**
 * Built per call (not at import time) so the environment is read when the app is created:
 * tests start several apps with different settings in one process.
 */
@Module({})
export class AppModule {
  static forRoot({ http = true, config = loadConfig() }: AppModuleOptions = {}): DynamicModule {
    const worker = !http || config.app.workerEnabled;
    const queue = redisConfigured(config.redis);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          // Already validated and typed; .env was read by the entry point, before loadConfig.
          load: [() => config],
          ignoreEnvFile: true,
        }),
        LoggingModule,
        RateLimitModule,
        DatabaseModule,
        // Binds the holds' admission port (global): every process that makes holds checks tokens.
        QueueAdmissionModule,
        ProductsModule,
        HoldsModule,
        OrdersModule,
        PaymentsModule,
        // No Redis configured: no BullMQ at all, the sweeper alone releases expired holds.
        ...(queue ? [HoldExpiryQueueModule] : []),
        // Releasing expired holds and cancelling unpaid orders, only where a worker runs.
        ...(worker ? [HoldExpiryWorkersModule.forRoot({ queue })] : []),
        // GET /health, GET /metrics, the admin API, the live stock streams, the board and the console exist only where there is HTTP.
        ...(http
          ? [HealthModule, MetricsModule, AdminModule, StreamModule, BoardModule, ConsoleModule, QueueModule]
          : []),
      ],
    };
  }
}

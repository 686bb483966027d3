import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminModule } from './admin/admin.module';
import { adminConfig } from './config/admin.config';
import { appConfig } from './config/app.config';
import { cacheConfig } from './config/cache.config';
import { databaseConfig } from './config/database.config';
import { validateEnv } from './config/env.validation';
import { paymentsConfig } from './config/payments.config';
import { redisConfig } from './config/redis.config';
import { loadEnvFileIfPresent } from './config/env-file';
import { DatabaseModule } from './database/database.module';
import { ExpiryModule } from './expiry/expiry.module';
import { HealthModule } from './health/health.module';
import { HoldsModule } from './holds/holds.module';
import { MetricsModule } from './metrics/metrics.module';
import { LoggingModule } from './observability/logging.module';
import { OrdersModule } from './orders/orders.module';
import { PaymentsModule } from './payments/payments.module';
import { ProductsModule } from './products/products.module';
import { RateLimitModule } from './security/rate-limit';

export interface AppModuleOptions {
  /**
   * false in the worker process (src/worker.ts): no HTTP, and it always runs the expiry
   * worker and sweeper. The HTTP process runs them too unless WORKER_ENABLED=false.
   */
  http?: boolean;
}

/**
 * Built per call (not at import time) so the environment is read when the app is created:
 * tests start several apps with different settings in one process.
 */
@Module({})
export class AppModule {
  static forRoot({ http = true }: AppModuleOptions = {}): DynamicModule {
    // The module list depends on a setting, so read it here, .env included (as ConfigModule does).
    if (process.env.NODE_ENV !== 'test') loadEnvFileIfPresent();
    const env = validateEnv(process.env);
    const worker = !http || env.WORKER_ENABLED;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          load: [appConfig, databaseConfig, redisConfig, paymentsConfig, cacheConfig, adminConfig],
          validate: (raw) => ({ ...validateEnv(raw) }),
          ignoreEnvFile: process.env.NODE_ENV === 'test',
        }),
        LoggingModule,
        RateLimitModule,
        DatabaseModule,
        ProductsModule,
        HoldsModule,
        OrdersModule,
        PaymentsModule,
        // No Redis configured: no BullMQ at all, the sweeper alone releases expired holds.
        ExpiryModule.forRoot({ queue: Boolean(env.REDIS_HOST), worker }),
        // GET /health, GET /metrics and the admin API exist only where there is HTTP.
        ...(http ? [HealthModule, MetricsModule, AdminModule] : []),
      ],
    };
  }
}

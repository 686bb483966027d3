import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig } from './config/app.config';
import { databaseConfig } from './config/database.config';
import { validateEnv } from './config/env.validation';
import { paymentsConfig } from './config/payments.config';
import { redisConfig } from './config/redis.config';
import { DatabaseModule } from './database/database.module';
import { HoldsModule } from './holds/holds.module';
import { OrdersModule } from './orders/orders.module';
import { PaymentsModule } from './payments/payments.module';
import { ProductsModule } from './products/products.module';

/**
 * Built per call (not at import time) so the environment is read when the app is created:
 * tests start several apps with different settings in one process.
 */
@Module({})
export class AppModule {
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          load: [appConfig, databaseConfig, redisConfig, paymentsConfig],
          validate: (raw) => ({ ...validateEnv(raw) }),
          ignoreEnvFile: process.env.NODE_ENV === 'test',
        }),
        DatabaseModule,
        ProductsModule,
        HoldsModule,
        OrdersModule,
        PaymentsModule,
      ],
    };
  }
}

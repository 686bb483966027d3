import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DatabaseModule } from '../../database/database.module';
import { HoldsModule } from '../../holds/holds.module';
import { IdempotencyModule } from '../../idempotency/idempotency.module';
import { SaleMetricsModule } from '../../metrics/sale-metrics.module';
import { OrdersModule } from '../../orders/orders.module';
import { HoldExpiryQueueModule } from '../scheduling/hold-expiry-queue.module';
import { HoldExpirySchedulingModule } from '../scheduling/hold-expiry-scheduling.module';
import { ExpiredHoldsSweeper } from './expired-holds.sweeper';
import { HoldExpiryProcessor } from './hold-expiry.processor';
import { UnpaidOrdersSweeper } from './unpaid-orders.sweeper';

export interface HoldExpiryWorkersOptions {
  /** Redis is configured: run the delayed jobs too. Without it the sweeper alone releases. */
  queue: boolean;
}

/**
 * Working: what releases expired holds and cancels unpaid orders, imported by AppModule only
 * in a process that runs a worker (src/worker.ts, or the API unless WORKER_ENABLED=false).
 * The sweepers always; the job's processor when there is a queue. Nothing imports this
 * module, so it may depend on holds and orders without a cycle.
 */
@Module({})
export class HoldExpiryWorkersModule {
  static forRoot({ queue }: HoldExpiryWorkersOptions): DynamicModule {
    const imports: DynamicModule['imports'] = [
      ScheduleModule.forRoot(),
      DatabaseModule,
      HoldExpirySchedulingModule,
      HoldsModule,
      OrdersModule,
      IdempotencyModule,
      SaleMetricsModule,
    ];
    const providers: Provider[] = [ExpiredHoldsSweeper, UnpaidOrdersSweeper];
    if (queue) {
      // No queue of its own (HoldExpirySchedulingModule made it): registerQueue() with none
      // loads @nestjs/bullmq's explorer, which starts the Worker for HoldExpiryProcessor with
      // the options of the queue HoldExpiryQueueModule exposes under the library's token.
      imports.push(HoldExpiryQueueModule, BullModule.registerQueue());
      providers.push(HoldExpiryProcessor);
    }
    return { module: HoldExpiryWorkersModule, imports, providers };
  }
}

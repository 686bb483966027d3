import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SaleMetricsModule } from '../metrics/sale-metrics.module';
import { OrdersModule } from '../orders/orders.module';
import { ProductsModule } from '../products/products.module';
import { LineClosingModule } from '../queue/closing/line-closing.module';
import { QueueLinesModule } from '../queue/line/queue-lines.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOrdersController } from './admin-orders.controller';
import { AdminOrdersRepository } from './admin-orders.repository';
import { AdminOrdersService } from './admin-orders.service';
import { AdminProductsController } from './admin-products.controller';
import { AdminProductsRepository } from './admin-products.repository';
import { AdminProductsService } from './admin-products.service';

/** The operator API under /api/admin. Depends on the core features; nothing depends on it. */
@Module({
  imports: [
    DatabaseModule,
    ProductsModule,
    OrdersModule,
    IdempotencyModule,
    SaleMetricsModule,
    QueueLinesModule,
    LineClosingModule,
  ],
  controllers: [AdminProductsController, AdminOrdersController],
  providers: [
    AdminProductsService,
    AdminProductsRepository,
    AdminOrdersService,
    AdminOrdersRepository,
    AdminAuthGuard,
  ],
})
export class AdminModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BuyersModule } from '../buyers/buyers.module';
import { DatabaseModule } from '../database/database.module';
import { HoldsModule } from '../holds/holds.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SaleMetricsModule } from '../metrics/sale-metrics.module';
import { ProductsModule } from '../products/products.module';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OperatorOrdersService } from './operator-orders.service';
import { OrdersService } from './orders.service';
import { ReturnableUnits } from './returnable-units.service';
import { UnpaidOrdersService } from './unpaid-orders.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Order]),
    DatabaseModule,
    HoldsModule,
    ProductsModule,
    SaleMetricsModule,
    IdempotencyModule,
    BuyersModule,
  ],
  controllers: [OrdersController],
  providers: [OrdersService, OrdersRepository, UnpaidOrdersService, OperatorOrdersService, ReturnableUnits],
  exports: [OrdersRepository, UnpaidOrdersService, OperatorOrdersService, ReturnableUnits],
})
export class OrdersModule {}

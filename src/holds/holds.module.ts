import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BuyersModule } from '../buyers/buyers.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SaleMetricsModule } from '../metrics/sale-metrics.module';
import { ProductsModule } from '../products/products.module';
import { Hold } from './hold.entity';
import { HoldsController } from './holds.controller';
import { HoldsRepository } from './holds.repository';
import { HoldsService } from './holds.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Hold]),
    ProductsModule,
    SaleMetricsModule,
    IdempotencyModule,
    BuyersModule,
  ],
  controllers: [HoldsController],
  providers: [HoldsService, HoldsRepository],
  exports: [HoldsService, HoldsRepository],
})
export class HoldsModule {}

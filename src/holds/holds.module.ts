import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BuyersModule } from '../buyers/buyers.module';
import { DatabaseModule } from '../database/database.module';
import { HoldExpirySchedulingModule } from '../expiry/scheduling/hold-expiry-scheduling.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SaleMetricsModule } from '../metrics/sale-metrics.module';
import { ProductsModule } from '../products/products.module';
import { Hold } from './hold.entity';
import { HoldsController } from './holds.controller';
import { HoldsRepository } from './holds.repository';
import { HoldsService } from './holds.service';
import { HoldReadsService } from './hold-reads.service';
import { HoldReleasesService } from './hold-releases.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Hold]),
    DatabaseModule,
    // Scheduling only (the queue and its port): the workers that release holds import this module.
    HoldExpirySchedulingModule,
    ProductsModule,
    SaleMetricsModule,
    IdempotencyModule,
    BuyersModule,
  ],
  controllers: [HoldsController],
  providers: [HoldsService, HoldReleasesService, HoldReadsService, HoldsRepository],
  exports: [HoldsService, HoldReleasesService, HoldReadsService, HoldsRepository],
})
export class HoldsModule {}

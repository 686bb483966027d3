import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ProductsModule } from '../products/products.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminProductsController } from './admin-products.controller';
import { AdminProductsRepository } from './admin-products.repository';
import { AdminProductsService } from './admin-products.service';

/** The operator API under /api/admin. Depends on the core features; nothing depends on it. */
@Module({
  imports: [DatabaseModule, ProductsModule, IdempotencyModule],
  controllers: [AdminProductsController],
  providers: [AdminProductsService, AdminProductsRepository, AdminAuthGuard],
})
export class AdminModule {}

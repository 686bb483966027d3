import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { SaleMetricsModule } from '../metrics/sale-metrics.module';
import { OrdersModule } from '../orders/orders.module';
import { ProductsModule } from '../products/products.module';
import { PaymentEvent } from './payment-event.entity';
import { PaymentEventsRepository } from './payment-events.repository';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { StripeSignatureGuard } from './stripe/stripe-signature.guard';

@Module({
  imports: [
    TypeOrmModule.forFeature([PaymentEvent]),
    DatabaseModule,
    OrdersModule,
    ProductsModule,
    SaleMetricsModule,
  ],
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentEventsRepository, StripeSignatureGuard],
})
export class PaymentsModule implements OnModuleInit {
  constructor(private readonly signatures: StripeSignatureGuard) {}

  /** The start-up warning of an unsigned webhook, once per app (see StripeSignatureGuard). */
  onModuleInit(): void {
    this.signatures.warnIfUnsigned();
  }
}

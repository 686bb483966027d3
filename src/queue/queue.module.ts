import { Module } from '@nestjs/common';
import { BuyersModule } from '../buyers/buyers.module';
import { DatabaseModule } from '../database/database.module';
import { OrdersModule } from '../orders/orders.module';
import { ProductsModule } from '../products/products.module';
import { AdmissionTicker } from './admission-ticker';
import { LineClosingModule } from './closing/line-closing.module';
import { LineEventsModule } from './line-events/line-events.module';
import { QueueLinesModule } from './line/queue-lines.module';
import { ProofOfWorkModule } from './pow/proof-of-work.module';
import { QueueMetricsModule } from './queue-metrics.module';
import { QueueStockRepository } from './queue-stock.repository';
import { TicketStreamModule } from './stream/ticket-stream.module';
import { WaitingRoomController } from './waiting-room.controller';
import { WaitingRoomService } from './waiting-room.service';

/**
 * The waiting room (issue 24), built on the core: it reads products, and holds reach it only
 * through their admission port (HoldAdmission, bound by the global QueueAdmissionModule).
 */
@Module({
  imports: [
    DatabaseModule,
    ProductsModule,
    OrdersModule,
    BuyersModule,
    QueueLinesModule,
    QueueMetricsModule,
    ProofOfWorkModule,
    LineEventsModule,
    LineClosingModule,
    TicketStreamModule,
  ],
  controllers: [WaitingRoomController],
  providers: [WaitingRoomService, AdmissionTicker, QueueStockRepository],
})
export class QueueModule {}

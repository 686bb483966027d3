import { Module } from '@nestjs/common';
import { ProductsModule } from '../../products/products.module';
import { StreamModule } from '../../stream/stream.module';
import { LineEventsModule } from '../line-events/line-events.module';
import { QueueLinesModule } from '../line/queue-lines.module';
import { TicketStreamController } from './ticket-stream.controller';
import { TicketStreamHub } from './ticket-stream.hub';
import { TICKET_STREAM_METRIC_PROVIDERS } from './ticket-stream-metrics';

/** A ticket's live stream, on src/stream's slots and helpers, kept current by the line events. */
@Module({
  imports: [ProductsModule, StreamModule, QueueLinesModule, LineEventsModule],
  controllers: [TicketStreamController],
  providers: [TicketStreamHub, ...TICKET_STREAM_METRIC_PROVIDERS],
  exports: [TicketStreamHub],
})
export class TicketStreamModule {}

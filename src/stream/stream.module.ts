import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module';
import { ProductStreamHub } from './product-stream.hub';
import { StreamController } from './stream.controller';
import { STREAM_METRIC_PROVIDERS } from './stream-metrics';
import { STREAM_SLOTS_PROVIDER, StreamSlots } from './stream-slots';

/** Live stock over Server-Sent Events. Depends on products (reads, change notifications); the waiting room's ticket streams use its slots and helpers. */
@Module({
  imports: [ProductsModule],
  controllers: [StreamController],
  providers: [ProductStreamHub, STREAM_SLOTS_PROVIDER, ...STREAM_METRIC_PROVIDERS],
  // The slots and metrics are shared with the waiting room's ticket streams: one set of limits.
  exports: [ProductStreamHub, StreamSlots, ...STREAM_METRIC_PROVIDERS],
})
export class StreamModule {}

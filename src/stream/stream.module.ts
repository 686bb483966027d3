import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module';
import { ProductStreamHub } from './product-stream.hub';
import { StreamController } from './stream.controller';
import { STREAM_METRIC_PROVIDERS } from './stream-metrics';

/** Live stock over Server-Sent Events. Depends on products (reads, change notifications); nothing depends on it. */
@Module({
  imports: [ProductsModule],
  controllers: [StreamController],
  providers: [ProductStreamHub, ...STREAM_METRIC_PROVIDERS],
  exports: [ProductStreamHub],
})
export class StreamModule {}

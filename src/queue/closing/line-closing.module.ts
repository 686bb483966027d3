import { Module } from '@nestjs/common';
import { LineEventsModule } from '../line-events/line-events.module';
import { QueueLinesModule } from '../line/queue-lines.module';
import { QueueMetricsModule } from '../queue-metrics.module';
import { LineClosing } from './line-closing';

/** Imported by admin (which disables queues) and by the queue (whose ticker repairs missed closes). */
@Module({
  imports: [QueueLinesModule, LineEventsModule, QueueMetricsModule],
  providers: [LineClosing],
  exports: [LineClosing],
})
export class LineClosingModule {}

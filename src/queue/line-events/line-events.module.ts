import { Module } from '@nestjs/common';
import { DatabaseModule } from '../../database/database.module';
import { LineEvents } from './line-events';

/** The line events, for whoever changes a line (ticker, draw, admin) and the ticket streams. */
@Module({
  imports: [DatabaseModule],
  providers: [LineEvents],
  exports: [LineEvents],
})
export class LineEventsModule {}

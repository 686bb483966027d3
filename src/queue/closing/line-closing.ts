import { Injectable, Logger } from '@nestjs/common';
import { LineEvents } from '../line-events/line-events';
import { QueueLines } from '../line/queue-lines';
import { QueueMetrics } from '../queue-metrics';

/** Who closed the line: the admin who disabled the queue, or the ticker that found it still open. */
export type ClosedBy = { actor: string } | { detected_by: 'admission_ticker' };

/**
 * Closing a line whose queue was disabled: every live ticket turns expired, the ticket streams
 * hear `closed`, and the expiry is counted and logged (reason `queue_disabled`). One path for
 * the admin's change and for the ticker's repair of a close that change never made.
 */
@Injectable()
export class LineClosing {
  private readonly logger = new Logger(LineClosing.name);

  constructor(
    private readonly lines: QueueLines,
    private readonly events: LineEvents,
    private readonly metrics: QueueMetrics,
  ) {}

  /** Returns how many tickets were live when the line closed. */
  async close(productId: number, by: ClosedBy): Promise<number> {
    const tickets = await this.lines.close(productId);
    this.events.publish({ kind: 'closed', productId });
    if (tickets > 0) {
      this.logger.log({
        event: 'queue.expired',
        product_id: productId,
        tickets,
        reason: 'queue_disabled',
        ...by,
      });
      this.metrics.expired(productId, 'queue_disabled', tickets);
    }
    return tickets;
  }
}

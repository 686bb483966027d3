import type { StoredTicket } from '../line/queue-lines';

/**
 * "A product's line changed", published by whoever changed it, after the change: the
 * admission ticker (tickets admitted or skipped, the new head; the line sold out), the draw
 * (pre-queue tickets placed) and the admin (queue disabled: every ticket expired). Joins are
 * not events: a ticket joins at the back and changes nobody's place.
 */
export type LineEvent =
  | {
      kind: 'admitted';
      productId: number;
      /** The lowest position still waiting: a waiting ticket's `ahead` is `position - head`. */
      head: number;
      /** The product's queue_admit_per_minute, for the wait estimates. */
      ratePerMinute: number;
      admitted: StoredTicket[];
      /** Skipped as abandoned. */
      expired: string[];
    }
  | { kind: 'sold_out' | 'closed' | 'drawn'; productId: number };

/** What a listener hears: an event, or "events may have been lost: read everything again". */
export type LineDelivery = LineEvent | { kind: 'resync' };

const KINDS = new Set(['admitted', 'sold_out', 'closed', 'drawn']);

/** The event as another process receives it; null for a message that is not one (ignored). */
export function parseLineEvent(body: string): LineEvent | null {
  try {
    const event = JSON.parse(body) as LineEvent;
    if (!KINDS.has(event.kind) || !Number.isSafeInteger(event.productId)) return null;
    return event;
  } catch {
    return null;
  }
}

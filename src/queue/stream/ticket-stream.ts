import { nextVersion, StockSnapshot } from '../../stream/stock-event';
import type { StreamConnection } from '../../stream/stream-connection';
import type { QueueTokenKey } from '../admission/queue-admission.module';
import { statusAt, StoredTicket, TicketStatus } from '../line/queue-lines';
import { ticketView } from '../ticket-view';

/** How far a status is along its way: a ticket never goes back, so an older report never wins. */
const RANK: Record<TicketStatus, number> = { prequeue: 0, waiting: 1, admitted: 2, sold_out: 3, expired: 3 };

/**
 * A new `ahead` or estimate alone goes out at most this often per stream. It is a courtesy:
 * with every admission moving every waiting ticket, pacing it at the stream interval (250 ms)
 * cost more than a core for 20,000 streams and held the admitted events back behind it. A
 * status change never waits for it (and replaces any refresh still pending).
 */
export const AHEAD_REFRESH_MS = 5_000;

/** A ticket as last known here, with the waiting tickets before it. */
export interface KnownTicket {
  ticket: StoredTicket;
  ahead: number;
}

/**
 * One open ticket stream: the ticket as this process knows it, kept current by the line
 * events with no Redis read, and the connection it is written to. Every update is merged so
 * that it only moves the ticket forward (a read that raced an event cannot move it back).
 */
export class TicketStream {
  known: KnownTicket | undefined;
  ratePerMinute = 1;
  /** A line event came before the first read's answer: read once more after it. */
  missed = false;
  private version = 0;
  private lastJson: string | undefined;
  private lastStatus: TicketStatus | undefined;
  /** What the last offered view was built from: unchanged inputs build no view at all. */
  private lastTicket: StoredTicket | undefined;
  private lastAhead = -1;
  private lastRate = 0;
  private lastOfferedAt = -Infinity;
  private expiryTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly productId: number,
    readonly ticketId: string,
    readonly client: string,
    readonly connection: StreamConnection,
    private readonly key: QueueTokenKey,
  ) {}

  get loaded(): boolean {
    return this.known !== undefined;
  }

  /** Prequeue or waiting: the line (its presence, its head) still concerns it. */
  get inLine(): boolean {
    const status = this.known?.ticket.status;
    return status === 'prequeue' || status === 'waiting';
  }

  /** A read's answer (the first, or after a draw or a resync): taken unless it is behind. */
  merge(read: KnownTicket): void {
    const current = this.known;
    if (!current || RANK[read.ticket.status] > RANK[current.ticket.status]) {
      this.known = { ticket: read.ticket, ahead: read.ahead };
    } else if (RANK[read.ticket.status] === RANK[current.ticket.status]) {
      this.known = { ticket: read.ticket, ahead: Math.min(read.ahead, current.ahead) };
    }
  }

  /** The line's head moved to `head` (tickets before it admitted or skipped). */
  headMoved(head: number): void {
    const known = this.known;
    if (!known || known.ticket.status !== 'waiting') return;
    known.ahead = Math.min(known.ahead, Math.max(0, known.ticket.position - head));
  }

  /** A decision about this very ticket (admitted, skipped, sold out, closed). */
  decided(ticket: StoredTicket): void {
    const current = this.known;
    if (current && RANK[ticket.status] < RANK[current.ticket.status]) return;
    this.known = { ticket, ahead: 0 };
  }

  /** The status changes to `status` (sold out, expired), unless the ticket is already final. */
  turn(status: 'sold_out' | 'expired', onlyInLine: boolean): void {
    const known = this.known;
    if (!known || RANK[known.ticket.status] >= 3) return;
    if (onlyInLine && !this.inLine) return;
    this.known = { ticket: { ...known.ticket, status }, ahead: 0 };
  }

  /**
   * Offers the ticket's view if it changed since the last one; a new status goes out at once,
   * a new `ahead` or estimate at most every AHEAD_REFRESH_MS (a timer sends the latest then),
   * except `ahead` reaching 0. An admission also sets a timer for its end,
   * when the ticket turns expired with no event from anyone.
   */
  render(onExpiry: () => void): void {
    const known = this.known;
    if (!known) return;
    const now = Date.now();
    const status = statusAt(known.ticket, now);
    if (status === this.lastStatus) {
      if (this.unchangedSinceLastOffer(known)) return;
      // Reaching the front (nobody ahead) is news, not a courtesy: it goes at the connection's pace.
      const next = status === 'waiting' && known.ahead === 0;
      const wait = this.lastOfferedAt + AHEAD_REFRESH_MS - now;
      if (wait > 0 && !next) return this.refreshIn(wait, onExpiry);
    }
    const view = ticketView(known.ticket, known.ahead, this.ratePerMinute, now, this.key, false);
    this.lastTicket = known.ticket;
    this.lastAhead = known.ahead;
    this.lastRate = this.ratePerMinute;
    const json = JSON.stringify(view);
    if (json === this.lastJson) return;
    const urgent = view.status !== this.lastStatus;
    this.lastJson = json;
    this.lastStatus = view.status;
    this.lastOfferedAt = now;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.version = nextVersion(this.version, now);
    const snapshot: StockSnapshot = { productId: this.productId, version: this.version, json };
    this.connection.offer(snapshot, performance.now(), urgent);
    if (view.status === 'admitted' && !this.expiryTimer) {
      this.expiryTimer = setTimeout(
        () => {
          this.expiryTimer = undefined;
          onExpiry();
        },
        Math.max(0, known.ticket.expiresAt - now) + 1,
      );
      this.expiryTimer.unref();
    }
  }

  private unchangedSinceLastOffer(known: KnownTicket): boolean {
    return (
      known.ticket === this.lastTicket &&
      known.ahead === this.lastAhead &&
      this.ratePerMinute === this.lastRate
    );
  }

  /** One timer per stream at most: the refresh reads the ticket as it is by then. */
  private refreshIn(wait: number, onExpiry: () => void): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.render(onExpiry);
    }, Math.ceil(wait));
    this.refreshTimer.unref();
  }

  dispose(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.connection.dispose();
  }
}

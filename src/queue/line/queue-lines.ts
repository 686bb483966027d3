/**
 * The waiting room's line for every product, shared by every API process of one database:
 * in Redis (atomic Lua scripts, keys hash-tagged per product) in scale-out mode, in this
 * process in embedded mode (one process per SQLite file). Every admission decision is made
 * here, never with a database round trip, on one clock for the deployment: the Redis line
 * ignores the `now` its callers pass and reads Redis' TIME (processes' clocks may differ);
 * the in-process line uses the process clock (`now`), the only one there is.
 */
export type TicketStatus = 'prequeue' | 'waiting' | 'admitted' | 'sold_out' | 'expired';

export interface StoredTicket {
  id: string;
  productId: number;
  customerId: string;
  entryHash: string;
  status: TicketStatus;
  /** The fixed place in the line (1 = first); 0 until the draw places a pre-queue ticket. */
  position: number;
  /** Epoch ms; 0 unless admitted. */
  admittedAt: number;
  expiresAt: number;
}

/** How a ticket joins: before the start (pre-queue, drawn later), after the draw, or on a queue without one. */
export type JoinMode = 'pre' | 'after' | 'fifo';

export type JoinOutcome =
  /** `ahead`: the waiting tickets before it, read in the same step (a join answers with it). */
  | { kind: 'created' | 'existing'; ticket: StoredTicket; ahead: number }
  | { kind: 'nonce_reused' }
  /** An 'after' join on a line whose draw has not run yet: draw, then join again. */
  | { kind: 'need_draw' };

export interface AdmitRequest {
  /** The caller's clock (epoch ms): the in-process line's; the Redis line reads Redis' own clock. */
  now: number;
  ratePerMinute: number;
  /** Most unused admissions outstanding: the product's available_stock. */
  available: number;
  /** When `available` was read (epoch ms): only admissions used before that stop counting. */
  stockReadAt: number;
  admissionMs: number;
  abandonMs: number;
  /** The sale's start (epoch ms; null: none): nothing is admitted before it, on the line's clock. */
  saleStartsAt: number | null;
}

export interface AdmitOutcome {
  admitted: StoredTicket[];
  expired: string[];
  /** When the decision was made, on the line's clock (the one admittedAt is on). */
  decidedAt: number;
  /**
   * The lowest position still waiting after this step (the next one to be handed out when
   * none waits). Positions are consecutive and tickets leave only from the head, so a waiting
   * ticket's `ahead` is `position - head`: the ticket streams update theirs from it.
   */
  head: number;
}

export interface LineSummary {
  waiting: number;
  admitted: number;
  drawn: boolean;
}

export abstract class QueueLines {
  abstract join(
    productId: number,
    ticket: Omit<StoredTicket, 'status' | 'position' | 'admittedAt' | 'expiresAt'>,
    mode: JoinMode,
    now: number,
  ): Promise<JoinOutcome>;

  /**
   * The buyer's live (not final) ticket, marked seen as a join again would; null when they have
   * none. Lets a join that needs a proof of work give a buyer's own ticket back without one.
   */
  abstract live(
    productId: number,
    customerId: string,
    now: number,
  ): Promise<{ ticket: StoredTicket; ahead: number } | null>;

  /** The ticket and the waiting tickets before it; `seen` records presence (a read or a stream). */
  abstract get(
    productId: number,
    ticketId: string,
    now: number,
    seen: boolean,
  ): Promise<{ ticket: StoredTicket; ahead: number } | null>;

  abstract summary(productId: number, now: number): Promise<LineSummary>;

  /** Presence of many tickets at once (their open streams), in one step. */
  abstract markSeen(productId: number, ticketIds: readonly string[], now: number): Promise<void>;

  /** The pre-queue, not yet placed (arrival order). */
  abstract prequeue(productId: number): Promise<Array<{ id: string; entryHash: string }>>;

  /** Places the drawn tickets 1..n, once (false: another process drew first). */
  abstract draw(productId: number, drawn: Array<{ id: string; entryHash: string }>): Promise<boolean>;

  /** The entry hashes of the pre-queue in drawn order; null before the draw. */
  abstract drawnHashes(productId: number): Promise<string[] | null>;

  abstract admit(productId: number, request: AdmitRequest): Promise<AdmitOutcome>;

  /** The buyer holds a unit with it: the admission no longer counts against the stock. */
  abstract markUsed(productId: number, ticketId: string): Promise<void>;

  /** Every pre-queue and waiting ticket turns sold_out; returns how many. */
  abstract soldOut(productId: number): Promise<number>;

  /** The queue was disabled: every live ticket turns expired and the line starts afresh; returns how many. */
  abstract close(productId: number): Promise<number>;

  /**
   * The products whose line may be open (joined and not closed since): the admission ticker
   * closes those whose queue is no longer enabled, so a close the admin's change never made
   * (Redis away, the process gone after the commit) still happens. May name a line that is
   * already empty (closing it is harmless); never misses one that has live tickets.
   */
  abstract openLines(): Promise<number[]>;
}

/** The status a reader sees: an admission past its end is expired, used or not. */
export function statusAt(ticket: StoredTicket, now: number): TicketStatus {
  return ticket.status === 'admitted' && ticket.expiresAt <= now ? 'expired' : ticket.status;
}

export function isFinal(ticket: StoredTicket, now: number): boolean {
  const status = statusAt(ticket, now);
  return status === 'sold_out' || status === 'expired';
}

/** Admissions are paced evenly: one every 60000/rate ms, and never more than rate in this window. */
export const WINDOW_MS = 60_000;

import {
  AdmitOutcome,
  AdmitRequest,
  isFinal,
  JoinMode,
  JoinOutcome,
  LineSummary,
  QueueLines,
  StoredTicket,
  WINDOW_MS,
} from './queue-lines';

interface Line {
  tickets: Map<string, StoredTicket>;
  buyers: Map<string, string>;
  nonces: Set<string>;
  /** Pre-queue ticket ids in arrival order. */
  pre: string[];
  /**
   * Waiting ticket ids by position. Positions are handed out consecutively (join, draw) and
   * tickets leave only from the head (admitted or skipped) or all at once (sold out, close),
   * so the ticket at index i has the head's position + i: `ahead` is a subtraction.
   */
  waiting: string[];
  /** Unused admissions: ticket id -> expiresAt. */
  admitted: Map<string, number>;
  /** Used admissions still counted: ticket id -> when used. */
  used: Map<string, number>;
  /** Admission instants of the last minute (the hard rate cap). */
  recent: number[];
  seen: Map<string, number>;
  drawn: string[] | null;
  nextPosition: number;
  nextAdmitAt: number;
  lastDecisionAt: number | null;
  admittedTotal: number;
}

/**
 * The embedded mode's line: one process serves a SQLite file, so the line lives here, with
 * the same rules as the Redis scripts (RedisQueueLines). A restart empties it.
 */
export class MemoryQueueLines extends QueueLines {
  private readonly lines = new Map<number, Line>();

  private line(productId: number): Line {
    let line = this.lines.get(productId);
    if (!line) {
      line = {
        tickets: new Map(),
        buyers: new Map(),
        nonces: new Set(),
        pre: [],
        waiting: [],
        admitted: new Map(),
        used: new Map(),
        recent: [],
        seen: new Map(),
        drawn: null,
        nextPosition: 0,
        nextAdmitAt: 0,
        lastDecisionAt: null,
        admittedTotal: 0,
      };
      this.lines.set(productId, line);
    }
    return line;
  }

  join(
    productId: number,
    fields: Omit<StoredTicket, 'status' | 'position' | 'admittedAt' | 'expiresAt'>,
    mode: JoinMode,
    now: number,
  ): Promise<JoinOutcome> {
    const line = this.line(productId);
    const existingId = line.buyers.get(fields.customerId);
    const existing = existingId === undefined ? undefined : line.tickets.get(existingId);
    if (existing && !isFinal(existing, now)) {
      line.seen.set(existing.id, now);
      return Promise.resolve({
        kind: 'existing',
        ticket: { ...existing },
        ahead: this.ahead(line, existing),
      });
    }
    if (line.nonces.has(fields.entryHash)) return Promise.resolve({ kind: 'nonce_reused' });
    let ticket: StoredTicket;
    if (mode === 'pre' && line.drawn === null) {
      ticket = { ...fields, status: 'prequeue', position: 0, admittedAt: 0, expiresAt: 0 };
      line.pre.push(ticket.id);
    } else {
      if (line.drawn === null) {
        if (mode === 'after') return Promise.resolve({ kind: 'need_draw' });
        line.drawn = [];
      }
      ticket = { ...fields, status: 'waiting', position: ++line.nextPosition, admittedAt: 0, expiresAt: 0 };
      line.waiting.push(ticket.id);
    }
    line.nonces.add(fields.entryHash);
    line.buyers.set(fields.customerId, ticket.id);
    line.tickets.set(ticket.id, ticket);
    line.seen.set(ticket.id, now);
    return Promise.resolve({ kind: 'created', ticket: { ...ticket }, ahead: this.ahead(line, ticket) });
  }

  live(productId: number, customerId: string, now: number) {
    const line = this.lines.get(productId);
    const id = line?.buyers.get(customerId);
    const ticket = id === undefined ? undefined : line!.tickets.get(id);
    if (!ticket || isFinal(ticket, now)) return Promise.resolve(null);
    line!.seen.set(ticket.id, now);
    return Promise.resolve({ ticket: { ...ticket }, ahead: this.ahead(line!, ticket) });
  }

  get(productId: number, ticketId: string, now: number, seen: boolean) {
    const line = this.lines.get(productId);
    const ticket = line?.tickets.get(ticketId);
    if (!line || !ticket) return Promise.resolve(null);
    if (seen) line.seen.set(ticketId, now);
    return Promise.resolve({ ticket: { ...ticket }, ahead: this.ahead(line, ticket) });
  }

  /** O(1): the waiting tickets before it are the positions from the head's up to its own. */
  private ahead(line: Line, ticket: StoredTicket): number {
    if (ticket.status !== 'waiting' || line.waiting.length === 0) return 0;
    return ticket.position - line.tickets.get(line.waiting[0])!.position;
  }

  summary(productId: number, now: number): Promise<LineSummary> {
    const line = this.lines.get(productId);
    if (!line) return Promise.resolve({ waiting: 0, admitted: 0, drawn: false });
    void now;
    return Promise.resolve({
      waiting: line.pre.length + line.waiting.length,
      admitted: line.admittedTotal,
      drawn: line.drawn !== null,
    });
  }

  markSeen(productId: number, ticketIds: readonly string[], now: number): Promise<void> {
    const line = this.lines.get(productId);
    if (line) for (const id of ticketIds) if (line.tickets.has(id)) line.seen.set(id, now);
    return Promise.resolve();
  }

  prequeue(productId: number) {
    const line = this.lines.get(productId);
    if (!line || line.drawn !== null) return Promise.resolve([]);
    return Promise.resolve(line.pre.map((id) => ({ id, entryHash: line.tickets.get(id)!.entryHash })));
  }

  draw(productId: number, drawn: Array<{ id: string; entryHash: string }>): Promise<boolean> {
    const line = this.line(productId);
    if (line.drawn !== null) return Promise.resolve(false);
    for (const { id } of drawn) {
      const ticket = line.tickets.get(id)!;
      ticket.status = 'waiting';
      ticket.position = ++line.nextPosition;
      line.waiting.push(id);
    }
    line.pre = [];
    line.drawn = drawn.map((entry) => entry.entryHash);
    return Promise.resolve(true);
  }

  drawnHashes(productId: number): Promise<string[] | null> {
    return Promise.resolve(this.lines.get(productId)?.drawn ?? null);
  }

  admit(productId: number, request: AdmitRequest): Promise<AdmitOutcome> {
    const line = this.lines.get(productId);
    const outcome: AdmitOutcome = { admitted: [], expired: [], decidedAt: request.now, head: 1 };
    if (!line) return Promise.resolve(outcome);
    const { now } = request;
    if (request.saleStartsAt !== null && now < request.saleStartsAt) return Promise.resolve(outcome);
    for (const [id, expiresAt] of line.admitted) if (expiresAt <= now) line.admitted.delete(id);
    // A used admission stops counting only against a stock figure read after it was used.
    for (const [id, usedAt] of line.used) {
      if (usedAt <= request.stockReadAt) {
        line.admitted.delete(id);
        line.used.delete(id);
      }
    }
    line.recent = line.recent.filter((at) => at > now - WINDOW_MS);
    const interval = WINDOW_MS / request.ratePerMinute;
    // Only the slots since the previous decision are usable: slots that passed while the line
    // was empty or the stock short are gone, never spent in a burst.
    line.nextAdmitAt = Math.max(line.nextAdmitAt, line.lastDecisionAt ?? now);
    line.lastDecisionAt = now;
    while (line.waiting.length > 0) {
      if (line.nextAdmitAt > now || line.admitted.size >= request.available) break;
      if (line.recent.length >= request.ratePerMinute) break;
      const id = line.waiting.shift()!;
      const ticket = line.tickets.get(id)!;
      if (now - (line.seen.get(id) ?? 0) > request.abandonMs) {
        ticket.status = 'expired';
        outcome.expired.push(id);
        continue;
      }
      ticket.status = 'admitted';
      // Admitted at its slot: admissions are spread exactly 60000 / rate ms apart.
      ticket.admittedAt = Math.floor(line.nextAdmitAt);
      ticket.expiresAt = ticket.admittedAt + request.admissionMs;
      line.admitted.set(id, ticket.expiresAt);
      line.recent.push(now);
      line.nextAdmitAt += interval;
      line.admittedTotal += 1;
      outcome.admitted.push({ ...ticket });
    }
    const first = line.waiting.length > 0 ? line.tickets.get(line.waiting[0]) : undefined;
    outcome.head = first ? first.position : line.nextPosition + 1;
    return Promise.resolve(outcome);
  }

  markUsed(productId: number, ticketId: string): Promise<void> {
    const line = this.lines.get(productId);
    if (line?.admitted.has(ticketId)) line.used.set(ticketId, Date.now());
    return Promise.resolve();
  }

  soldOut(productId: number): Promise<number> {
    const line = this.lines.get(productId);
    if (!line) return Promise.resolve(0);
    const ids = [...line.pre, ...line.waiting];
    for (const id of ids) line.tickets.get(id)!.status = 'sold_out';
    line.pre = [];
    line.waiting = [];
    return Promise.resolve(ids.length);
  }

  close(productId: number): Promise<number> {
    const line = this.lines.get(productId);
    if (!line) return Promise.resolve(0);
    const now = Date.now();
    let live = 0;
    for (const ticket of line.tickets.values()) {
      if (!isFinal(ticket, now)) live += 1;
      if (ticket.status !== 'sold_out') ticket.status = 'expired';
    }
    Object.assign(line, {
      pre: [],
      waiting: [],
      admitted: new Map(),
      used: new Map(),
      recent: [],
      drawn: null,
      nextPosition: 0,
      nextAdmitAt: 0,
      lastDecisionAt: null,
      admittedTotal: 0,
    });
    return Promise.resolve(live);
  }

  /** A line is open from its first join until its close (which resets it to this fresh state). */
  openLines(): Promise<number[]> {
    const open: number[] = [];
    for (const [productId, line] of this.lines) {
      const fresh =
        line.pre.length === 0 && line.waiting.length === 0 && line.admitted.size === 0 && line.drawn === null;
      if (!fresh || line.nextPosition > 0) open.push(productId);
    }
    return Promise.resolve(open);
  }
}

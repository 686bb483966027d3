import type { Connection, RowDataPacket } from 'mysql2/promise';
import { JOB_HEAD_START_MS } from '../../src/expiry/working/expired-holds.sweeper';
import type { Ledger } from './workload';
import type { Nemesis } from './nemesis';
import { EXPLAINS_503, TIMING } from './topology';

/**
 * Scheduling delay allowed on top of the documented bounds: on a 2-core machine running the
 * five processes, the database, Redis and this driver, a sweep tick or a query can wait for
 * the CPU. Reported with the figures.
 */
export const SCHEDULING_SLACK_MS = 3_000;
/** A 503 this long after the last fault ended is no longer honest: the service did not recover. */
export const RECOVERY_LIMIT_MS = 15_000;

export interface Failure {
  check: string;
  at: number;
  detail: string;
}

type Row = RowDataPacket & Record<string, unknown>;

/**
 * Reads the database over its own connection (no proxy, no fault touches it) and checks the
 * invariants; compares what the clients were told with what the database holds.
 */
export class Checker {
  readonly runs = new Map<string, number>();
  readonly failures: Failure[] = [];
  longestExpiredHoldWaitMs = 0;
  private failedRuns = 0;
  longestPendingOverdueMs = 0;
  private heldChecked = 0;
  private ordersChecked = 0;
  private acksChecked = 0;
  private adjustmentsChecked = 0;

  constructor(
    private readonly connect: () => Promise<Connection>,
    private readonly ledger: Ledger,
    private readonly nemesis: Nemesis,
  ) {}

  private connection: Connection | undefined;

  /** Check runs that failed (each records up to 5 rows in `failures`). */
  get failed(): number {
    return this.failedRuns;
  }

  get checksRun(): number {
    return [...this.runs.values()].reduce((sum, n) => sum + n, 0);
  }

  /** One pass of every invariant; `final` also judges everything the clients were told and every release. */
  async pass(final = false): Promise<void> {
    this.connection ??= await this.connect();
    try {
      await this.stockAddsUp();
      await this.holdsAndOrdersAgree();
      await this.paymentsAppliedOnce();
      await this.expiredHoldsReleased(final);
      await this.unpaidOrdersCancelled();
      await this.answersMatchDatabase(final);
    } catch (error) {
      // The checker's own link is never faulted; if it broke, reconnect next time.
      await this.connection?.end().catch(() => undefined);
      this.connection = undefined;
      throw error;
    }
  }

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    const [rows] = await this.connection!.query<Row[]>(sql, params);
    return rows;
  }

  private check(name: string, failures: string[]): void {
    this.runs.set(name, (this.runs.get(name) ?? 0) + 1);
    if (failures.length > 0) this.failedRuns++;
    for (const detail of failures.slice(0, 5)) this.failures.push({ check: name, at: Date.now(), detail });
  }

  /** Per product, in one statement (one snapshot): available + held + pending + sold = total, nothing below zero. */
  private async stockAddsUp(): Promise<void> {
    const rows = await this.query(`
      SELECT p.id, p.total_stock, p.available_stock,
        (SELECT COALESCE(SUM(h.quantity), 0) FROM holds h
          WHERE h.product_id = p.id AND h.used_at IS NULL AND h.released_at IS NULL) AS held,
        (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = p.id AND o.status = 'pending') AS pending,
        (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = p.id AND o.status = 'completed') AS sold
      FROM products p`);
    const broken = rows.filter(
      (row) =>
        Number(row.available_stock) + Number(row.held) + Number(row.pending) + Number(row.sold) !==
        Number(row.total_stock),
    );
    this.check(
      'available + held + pending + sold = total',
      broken.map(
        (row) =>
          `product ${row.id}: ${row.available_stock} + ${row.held} + ${row.pending} + ${row.sold} != ${row.total_stock}`,
      ),
    );
    const negative = rows.filter((row) => Number(row.available_stock) < 0 || Number(row.total_stock) < 0);
    this.check(
      'no stock below zero',
      negative.map((row) => `product ${row.id}: available ${row.available_stock}`),
    );
  }

  private async holdsAndOrdersAgree(): Promise<void> {
    const both = await this.query(
      'SELECT id FROM holds WHERE used_at IS NOT NULL AND released_at IS NOT NULL LIMIT 5',
    );
    this.check(
      'no hold both used and released',
      both.map((row) => `hold ${row.id}`),
    );
    const mismatched = await this.query(`
      SELECT o.id FROM orders o LEFT JOIN holds h ON h.id = o.hold_id
       WHERE h.id IS NULL OR h.used_at IS NULL OR h.quantity <> o.quantity OR h.product_id <> o.product_id LIMIT 5`);
    const unordered = await this.query(`
      SELECT h.id FROM holds h WHERE h.used_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.hold_id = h.id) LIMIT 5`);
    this.check('every order is its used hold, every used hold an order', [
      ...mismatched.map((row) => `order ${row.id} does not match its hold`),
      ...unordered.map((row) => `hold ${row.id} used without an order`),
    ]);
  }

  private async paymentsAppliedOnce(): Promise<void> {
    const twice = await this.query(`
      SELECT order_id, COUNT(*) AS n FROM payment_events
       WHERE outcome = 'applied' AND order_id IS NOT NULL GROUP BY order_id HAVING COUNT(*) > 1 LIMIT 5`);
    this.check(
      'no order settled twice',
      twice.map((row) => `order ${row.order_id}: ${row.n} applied events`),
    );
    const duplicated = await this.query(
      'SELECT event_id, COUNT(*) AS n FROM payment_events GROUP BY event_id HAVING COUNT(*) > 1 LIMIT 5',
    );
    this.check(
      'no payment event recorded or applied twice',
      duplicated.map((row) => `${row.event_id}: ${row.n} rows`),
    );
    const unexplained = await this.query(`
      SELECT o.id, o.status, o.cancel_reason FROM orders o
       WHERE (o.status = 'completed' OR (o.status = 'cancelled' AND o.cancel_reason = 'payment_failed'))
         AND NOT EXISTS (SELECT 1 FROM payment_events e WHERE e.order_id = o.id AND e.outcome = 'applied')
          OR (o.status = 'cancelled' AND o.cancel_reason = 'payment_timeout'
         AND EXISTS (SELECT 1 FROM payment_events e WHERE e.order_id = o.id AND e.outcome = 'applied'))
       LIMIT 5`);
    this.check(
      'every settlement has exactly its one applied event',
      unexplained.map((row) => `order ${row.id} ${row.status} (${row.cancel_reason ?? '-'})`),
    );
  }

  /** Bound for a release: the sweep interval + the jobs' head start + slack + the faults that stopped releases meanwhile. */
  private releaseBound(from: number, to: number): number {
    return (
      TIMING.sweepIntervalSeconds * 1000 +
      JOB_HEAD_START_MS +
      SCHEDULING_SLACK_MS +
      this.nemesis.releaseDelayWithin(from, to)
    );
  }

  private async expiredHoldsReleased(final: boolean): Promise<void> {
    const failures: string[] = [];
    const waiting = await this.query(`
      SELECT id, hold_expires_at, UTC_TIMESTAMP(3) AS now FROM holds
       WHERE used_at IS NULL AND released_at IS NULL AND hold_expires_at < UTC_TIMESTAMP(3) - INTERVAL 1 SECOND`);
    for (const row of waiting) {
      const expires = (row.hold_expires_at as Date).getTime();
      const now = (row.now as Date).getTime();
      const wait = now - expires;
      this.longestExpiredHoldWaitMs = Math.max(this.longestExpiredHoldWaitMs, wait);
      if (wait > this.releaseBound(expires, now)) {
        failures.push(`hold ${row.id} expired ${wait} ms ago, not released`);
      }
    }
    const released = await this.query(
      `SELECT id, hold_expires_at, released_at FROM holds WHERE released_at IS NOT NULL
         ${final ? '' : 'AND released_at > UTC_TIMESTAMP(3) - INTERVAL 3 SECOND'}`,
    );
    for (const row of released) {
      const expires = (row.hold_expires_at as Date).getTime();
      const at = (row.released_at as Date).getTime();
      const wait = at - expires;
      this.longestExpiredHoldWaitMs = Math.max(this.longestExpiredHoldWaitMs, wait);
      if (wait < 0) failures.push(`hold ${row.id} released ${-wait} ms before it expired`);
      else if (wait > this.releaseBound(expires, at)) {
        failures.push(`hold ${row.id} released ${wait} ms after it expired`);
      }
    }
    this.check(
      'every expired hold released in time (TTL + sweep interval + head start + fault time)',
      failures,
    );
  }

  private async unpaidOrdersCancelled(): Promise<void> {
    const timeoutMs = TIMING.paymentTimeoutSeconds * 1000;
    const overdue = await this.query(
      `SELECT id, created_at, UTC_TIMESTAMP(3) AS now FROM orders
        WHERE status = 'pending' AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND`,
      [TIMING.paymentTimeoutSeconds],
    );
    const failures: string[] = [];
    for (const row of overdue) {
      const due = (row.created_at as Date).getTime() + timeoutMs;
      const now = (row.now as Date).getTime();
      this.longestPendingOverdueMs = Math.max(this.longestPendingOverdueMs, now - due);
      if (now - due > this.releaseBound(due, now)) {
        failures.push(`order ${row.id} pending ${now - due} ms past its timeout`);
      }
    }
    this.check('every unpaid order past the timeout cancelled (once: the stock adds up)', failures);
  }

  /** What the clients were told, compared with the rows (new answers each pass; all of them at the end). */
  private async answersMatchDatabase(final: boolean): Promise<void> {
    const holds = [...this.ledger.createdHolds.values()].slice(final ? 0 : this.heldChecked);
    this.heldChecked = this.ledger.createdHolds.size;
    const failures: string[] = [];
    for (const chunk of chunks(holds, 500)) {
      const rows = await this.query('SELECT id, product_id, quantity FROM holds WHERE id IN (?)', [
        chunk.map((h) => h.id),
      ]);
      const found = new Map(rows.map((row) => [Number(row.id), row]));
      for (const hold of chunk) {
        const row = found.get(hold.id);
        if (!row) failures.push(`201 hold ${hold.id} is not in the database`);
        else if (Number(row.product_id) !== hold.productId || Number(row.quantity) !== hold.quantity) {
          failures.push(`201 hold ${hold.id} differs from its row`);
        }
      }
    }
    const orders = [...this.ledger.createdOrders.entries()].slice(final ? 0 : this.ordersChecked);
    this.ordersChecked = this.ledger.createdOrders.size;
    for (const chunk of chunks(orders, 500)) {
      const rows = await this.query('SELECT id, hold_id FROM orders WHERE id IN (?)', [
        chunk.map(([id]) => id),
      ]);
      const found = new Map(rows.map((row) => [Number(row.id), Number(row.hold_id)]));
      for (const [id, { holdId }] of chunk) {
        if (found.get(id) !== holdId) {
          failures.push(`201 order ${id} (hold ${holdId}) is not in the database`);
        }
      }
    }
    for (const [key, ids] of this.ledger.keyedCreates) {
      if (ids.size > 1) failures.push(`Idempotency-Key ${key} answered 201 with ${[...ids].join(', ')}`);
    }
    this.check('every 201 hold and order exists as answered; one per Idempotency-Key', failures);

    const acks = this.ledger.webhookAcks.slice(final ? 0 : this.acksChecked);
    this.acksChecked = this.ledger.webhookAcks.length;
    const ackFailures: string[] = [];
    for (const chunk of chunks(acks, 500)) {
      const rows = await this.query(
        `SELECT e.event_id, e.order_id, COUNT(*) AS n, MAX(o.status) AS order_status FROM payment_events e
           LEFT JOIN orders o ON o.id = e.order_id WHERE e.event_id IN (?) GROUP BY e.event_id, e.order_id`,
        [chunk.map((ack) => ack.eventId)],
      );
      const found = new Map(rows.map((row) => [String(row.event_id), row]));
      for (const ack of chunk) {
        const row = found.get(ack.eventId);
        if (!row || Number(row.n) !== 1) {
          ackFailures.push(`acknowledged ${ack.eventId} recorded ${row?.n ?? 0} times`);
        } else if (Number(row.order_id) !== ack.orderId) {
          ackFailures.push(`${ack.eventId} recorded for order ${row.order_id}`);
        } else if (
          (ack.status === 'completed' || ack.status === 'cancelled') &&
          row.order_status !== ack.status
        ) {
          ackFailures.push(
            `${ack.eventId} answered ${String(ack.status)}, order ${ack.orderId} is ${row.order_status}`,
          );
        }
      }
    }
    const adjustments = [...this.ledger.adjustmentAcks.entries()].slice(final ? 0 : this.adjustmentsChecked);
    this.adjustmentsChecked = this.ledger.adjustmentAcks.size;
    for (const chunk of chunks(adjustments, 500)) {
      const rows = await this.query(
        'SELECT reason, product_id, SUM(delta) AS delta, COUNT(*) AS n FROM stock_movements WHERE reason IN (?) GROUP BY reason, product_id',
        [chunk.map(([reason]) => reason)],
      );
      const found = new Map(rows.map((row) => [String(row.reason), row]));
      for (const [reason, { productId, delta }] of chunk) {
        const row = found.get(reason);
        if (
          !row ||
          Number(row.n) !== 1 ||
          Number(row.product_id) !== productId ||
          Number(row.delta) !== delta
        ) {
          ackFailures.push(
            `acknowledged "${reason}" (${delta} on ${productId}) applied ${row?.n ?? 0} times`,
          );
        }
      }
    }
    this.check('every acknowledged webhook and stock change took effect exactly once', ackFailures);
  }

  /**
   * Every 5xx: a 503 with Retry-After while a fault that explains it lasted (the database
   * unreachable, a process draining) or up to RECOVERY_LIMIT_MS after; never anything else.
   * Returns the longest such tail after a fault ended, and the 5xx and network errors (not
   * judged: a killed process resets its connections) by the faults going on.
   */
  judgeServerErrors(): { longestTailMs: number; byFault: Record<string, number> } {
    let longestTailMs = 0;
    const failures: string[] = [];
    const byFault: Record<string, number> = {};
    for (const answer of this.ledger.serverErrors) {
      const active = this.nemesis.activeBetween(answer.sentAt, answer.answeredAt);
      const label = `${answer.status} ${answer.body?.code ?? ''} during ${[...new Set(active)].sort().join('+') || 'no fault'}`;
      byFault[label] = (byFault[label] ?? 0) + 1;
      const honest = answer.status === 503 && answer.retryAfter !== undefined;
      if (!honest) {
        failures.push(
          `${answer.route}: ${answer.status} ${answer.body?.code ?? ''} (not a 503 with Retry-After)`,
        );
        continue;
      }
      // Still going on when the answer came: honest. Otherwise it is the tail after the fault
      // ended (a request sent during the cut and answered once it was over counts there).
      if (
        this.nemesis
          .activeBetween(answer.answeredAt, answer.answeredAt)
          .some((kind) => EXPLAINS_503.has(kind))
      ) {
        continue;
      }
      const lastEnd = this.nemesis.lastEndBefore(answer.answeredAt, EXPLAINS_503);
      const tail = lastEnd === undefined ? Infinity : answer.answeredAt - lastEnd;
      longestTailMs = Math.max(longestTailMs, tail);
      if (tail > RECOVERY_LIMIT_MS) {
        failures.push(
          `${answer.route}: 503 ${answer.body?.code ?? ''} ${tail === Infinity ? 'with no fault before it' : `${tail} ms after the last fault ended`} (${label})`,
        );
      }
    }
    this.check('no 5xx but a 503 with Retry-After during or right after a fault', failures);
    for (const answer of this.ledger.networkErrors) {
      const active = this.nemesis.activeBetween(answer.sentAt, answer.answeredAt);
      const label = `${answer.error ?? 'error'} during ${[...new Set(active)].sort().join('+') || 'no fault'}`;
      byFault[label] = (byFault[label] ?? 0) + 1;
    }
    return { longestTailMs, byFault };
  }

  /** Once the load stopped and everything healed: nothing held or pending is left, and the streams show the database. */
  async finalState(streamStock: Map<number, number>): Promise<void> {
    this.connection ??= await this.connect();
    const left = await this.query(`
      SELECT (SELECT COUNT(*) FROM holds WHERE used_at IS NULL AND released_at IS NULL) AS holds,
             (SELECT COUNT(*) FROM orders WHERE status = 'pending') AS orders`);
    this.check(
      'at the end: no active hold, no pending order',
      Number(left[0].holds) + Number(left[0].orders) > 0
        ? [`${left[0].holds} holds, ${left[0].orders} orders`]
        : [],
    );
    const products = await this.query('SELECT id, available_stock FROM products');
    this.check(
      "at the end: every stream shows the database's stock",
      products
        .filter((row) => streamStock.get(Number(row.id)) !== Number(row.available_stock))
        .map(
          (row) =>
            `product ${row.id}: stream ${streamStock.get(Number(row.id))}, database ${row.available_stock}`,
        ),
    );
  }

  recordProcessExits(
    exits: Array<{ process: string; code: number | null; signal: string | null; lastOutput: string }>,
  ): void {
    this.check(
      'no process exits unless the nemesis stops it',
      exits.map(
        (exit) => `${exit.process} exited (${exit.code ?? exit.signal}): ${exit.lastOutput.slice(-600)}`,
      ),
    );
  }

  async close(): Promise<void> {
    await this.connection?.end().catch(() => undefined);
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

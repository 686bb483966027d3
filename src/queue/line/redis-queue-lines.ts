import type { IoRedisClient } from '../../redis/ioredis-client';
import {
  AdmitOutcome,
  AdmitRequest,
  JoinMode,
  JoinOutcome,
  LineSummary,
  QueueLines,
  StoredTicket,
  WINDOW_MS,
} from './queue-lines';
import * as scripts from './queue-line.scripts';

/**
 * A line's keys live this long past its last activity (a join, presence, the draw, an
 * admission, a sold-out, a close). A week: a pre-queue may open days before its sale and see
 * little activity over a weekend, and buyers look at their final ticket after the sale; a
 * ticket costs some 300 bytes in Redis, so 20,000 of them kept a week is ~6 MB. After that the
 * line of a finished sale is gone (reads answer 404 TICKET_NOT_FOUND, as after a Redis restart).
 */
export const LINE_TTL_MS = 7 * 24 * 3_600_000;

const COMMANDS = {
  queueJoin: scripts.JOIN,
  queueGet: scripts.GET,
  queueSummary: scripts.SUMMARY,
  queueSeen: scripts.SEEN,
  queuePrequeue: scripts.PREQUEUE,
  queueDraw: scripts.DRAW,
  queueDrawn: scripts.DRAWN,
  queueAdmit: scripts.ADMIT,
  queueMarkUsed: scripts.MARK_USED,
  queueSoldOut: scripts.SOLD_OUT,
  queueClose: scripts.CLOSE,
} as const;
const SEEN_SLICE = 1_000;
type Command = keyof typeof COMMANDS;
type Scripted = Record<Command, (...args: Array<string | number>) => Promise<unknown>>;

/**
 * The scale-out line: every decision is one Lua script on the product's hash-tagged keys, so
 * two API processes never admit one ticket twice nor exceed the rate together, and each
 * decision is one Redis round trip (no database). Time is Redis' TIME in every script, never
 * the caller's `now`, so processes with skewed clocks still pace one line on one clock. Redis is the line's only copy: a Redis
 * restart without persistence forgets every ticket (see docs/design.md, "Waiting room").
 */
export class RedisQueueLines extends QueueLines {
  private readonly redis: Scripted;
  private readonly client: IoRedisClient;

  constructor(
    client: IoRedisClient,
    private readonly namespace: string,
    lineTtlMs = LINE_TTL_MS,
  ) {
    super();
    this.client = client;
    for (const [name, lua] of Object.entries(COMMANDS)) {
      client.defineCommand(name, {
        numberOfKeys: scripts.LINE_KEYS.length,
        lua: lua.replaceAll(scripts.LINE_TTL_PLACEHOLDER, String(Math.floor(lineTtlMs))),
      });
    }
    this.redis = client as unknown as Scripted;
  }

  private keys(productId: number): string[] {
    const tag = `{${this.namespace}:queue:${productId}}`;
    return scripts.LINE_KEYS.map((name) => `${tag}:${name}`);
  }

  /**
   * The products with a line that may be open: one small set per deployment and database
   * (`<prefix>:<database id>:queue-open`, see redis-namespace.ts), outside the lines' hash tags,
   * so no line script can write it (a cluster refuses a script's key in another slot): a join
   * adds its product before its script runs (a join that dies between leaves a harmless extra
   * id), a close removes it after its script.
   */
  private get openKey(): string {
    return `${this.namespace}:queue-open`;
  }

  private run(command: Command, productId: number, ...args: Array<string | number>): Promise<unknown> {
    return this.redis[command](...this.keys(productId), ...args);
  }

  async join(
    productId: number,
    fields: Omit<StoredTicket, 'status' | 'position' | 'admittedAt' | 'expiresAt'>,
    mode: JoinMode,
    _now: number,
  ): Promise<JoinOutcome> {
    await this.client.sadd(this.openKey, String(productId));
    const [kind, raw, ahead] = (await this.run(
      'queueJoin',
      productId,
      fields.id,
      productId,
      fields.customerId,
      fields.entryHash,
      mode,
    )) as [string, string?, number?];
    if (kind === 'created' || kind === 'existing') return { kind, ticket: parse(raw!), ahead: Number(ahead) };
    return { kind: kind as 'nonce_reused' | 'need_draw' };
  }

  /** The join script in its lookup mode: one round trip, nothing created (Redis' clock decides liveness). */
  async live(productId: number, customerId: string, _now: number) {
    const [kind, raw, ahead] = (await this.run(
      'queueJoin',
      productId,
      '',
      productId,
      customerId,
      '',
      'existing-only',
    )) as [string, string?, number?];
    return kind === 'existing' ? { ticket: parse(raw!), ahead: Number(ahead) } : null;
  }

  async get(productId: number, ticketId: string, _now: number, seen: boolean) {
    const found = (await this.run('queueGet', productId, ticketId, seen ? '1' : '0')) as
      [string, number] | null;
    return found ? { ticket: parse(found[0]), ahead: Number(found[1]) } : null;
  }

  async summary(productId: number): Promise<LineSummary> {
    const [waiting, admitted, drawn] = (await this.run('queueSummary', productId)) as number[];
    return { waiting: Number(waiting), admitted: Number(admitted), drawn: Number(drawn) === 1 };
  }

  async markSeen(productId: number, ticketIds: readonly string[], _now: number): Promise<void> {
    // In slices: one script call per 1,000 tickets keeps each step short for the other clients.
    for (let start = 0; start < ticketIds.length; start += SEEN_SLICE) {
      await this.run('queueSeen', productId, ...ticketIds.slice(start, start + SEEN_SLICE));
    }
  }

  async prequeue(productId: number): Promise<Array<{ id: string; entryHash: string }>> {
    const flat = (await this.run('queuePrequeue', productId)) as string[];
    const entries: Array<{ id: string; entryHash: string }> = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], entryHash: flat[i + 1] });
    return entries;
  }

  async draw(productId: number, drawn: Array<{ id: string; entryHash: string }>): Promise<boolean> {
    const result = Number(await this.run('queueDraw', productId, ...drawn.map((entry) => entry.id)));
    if (result === -1) throw new PrequeueMovedError();
    return result === 1;
  }

  async drawnHashes(productId: number): Promise<string[] | null> {
    return (await this.run('queueDrawn', productId)) as string[] | null;
  }

  async admit(productId: number, request: AdmitRequest): Promise<AdmitOutcome> {
    const [admitted, expired, decidedAt, head] = (await this.run(
      'queueAdmit',
      productId,
      request.ratePerMinute,
      request.available,
      request.admissionMs,
      request.abandonMs,
      WINDOW_MS,
      // How long ago, on the caller's clock: a duration the script places on Redis' clock.
      Math.max(0, request.now - request.stockReadAt),
      request.saleStartsAt ?? 0,
    )) as [string[], string[], number, number];
    return { admitted: admitted.map(parse), expired, decidedAt: Number(decidedAt), head: Number(head) };
  }

  async markUsed(productId: number, ticketId: string): Promise<void> {
    await this.run('queueMarkUsed', productId, ticketId);
  }

  async soldOut(productId: number): Promise<number> {
    return Number(await this.run('queueSoldOut', productId));
  }

  async close(productId: number): Promise<number> {
    const live = Number(await this.run('queueClose', productId));
    await this.client.srem(this.openKey, String(productId));
    return live;
  }

  async openLines(): Promise<number[]> {
    return (await this.client.smembers(this.openKey)).map(Number);
  }
}

/** A ticket joined the pre-queue between reading it and drawing it: read it again. */
export class PrequeueMovedError extends Error {}

function parse(raw: string): StoredTicket {
  return JSON.parse(raw) as StoredTicket;
}

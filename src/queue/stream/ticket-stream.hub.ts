import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Gauge } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { AllConfig } from '../../config/config.types';
import { ProductsService } from '../../products/products.service';
import { busyRefusal, HEARTBEAT_INTERVAL_MS, parseLastEventId } from '../../stream/stock-event';
import { StreamConnection } from '../../stream/stream-connection';
import { StreamsBusyError } from '../../stream/stream.errors';
import { STREAM_METRICS } from '../../stream/stream-metrics';
import { acceptsEventStream, retryDelayMs, RetryRange } from '../../stream/stream-negotiation';
import { answerEventStream, startEventStream } from '../../stream/stream-reply';
import { StreamRefusal, StreamSlots } from '../../stream/stream-slots';
import { QueueTokenKey } from '../admission/queue-admission.module';
import type { LineDelivery, LineEvent } from '../line-events/line-event';
import { LineEvents } from '../line-events/line-events';
import { QueueLines, StoredTicket } from '../line/queue-lines';
import { TicketNotFoundError } from '../queue.errors';
import { TICKET_ID } from '../ticket-id';
import { KnownTicket, TicketStream } from './ticket-stream';
import { TICKET_STREAM_METRICS } from './ticket-stream-metrics';

/** A product's rate read this recently serves every stream opened meanwhile (no read each). */
const PRODUCT_READ_REUSE_MS = 1_000;
/** Presence is refreshed this often at most (and at least 3 times per QUEUE_ABANDON_SECONDS). */
const MAX_PRESENCE_INTERVAL_MS = 5_000;
/** Reads in flight at once when many streams must be read again (a draw, a resync). */
const REREAD_CONCURRENCY = 64;
/** Streams walked per turn of the event loop for `ahead`: the next event's admissions need not wait for all. */
const AHEAD_WALK_CHUNK = 2_000;

/**
 * This process's open ticket streams (`GET /api/products/:id/queue/:ticket_id/stream`), kept
 * current by the line events (LineEvents) with no read per stream: an admission event names the
 * tickets it admitted or skipped and the line's new head, and since positions are consecutive
 * and tickets leave only from the head, every other waiting ticket's `ahead` is
 * `position - head`. Only a draw (positions handed out) and a resync (events may be lost) read
 * tickets again. A status change goes out at once (those streams first); `ahead` and the estimate alone at most
 * every AHEAD_REFRESH_MS.
 *
 * The streams share the stock streams' slots (one StreamSlots: STREAM_MAX_CONNECTIONS and
 * STREAM_MAX_PER_CLIENT count both), their refusals, headers, heartbeat and shutdown rules.
 * An open stream is its ticket's presence: refreshed for all of a product's streams in one call.
 */
@Injectable()
export class TicketStreamHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TicketStreamHub.name);
  private readonly byProduct = new Map<number, Set<TicketStream>>();
  /** The streams of each ticket (a buyer may open several): an admission reaches them first. */
  private readonly byTicket = new Map<string, Set<TicketStream>>();
  private readonly productReads = new Map<number, { at: number; rate: Promise<number> }>();
  private readonly intervalMs: number;
  private readonly retryRange: RetryRange;
  private readonly presenceMs: number;
  private subscription: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private presence: NodeJS.Timeout | undefined;
  private size_ = 0;
  private closing = false;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly products: ProductsService,
    private readonly lines: QueueLines,
    private readonly key: QueueTokenKey,
    private readonly lineEvents: LineEvents,
    private readonly slots: StreamSlots,
    private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(TICKET_STREAM_METRICS.connections) private readonly connectionsGauge: Gauge,
    @InjectMetric(STREAM_METRICS.events) private readonly eventsSent: Counter,
    @InjectMetric(STREAM_METRICS.refusals) private readonly refusals: Counter,
  ) {
    const settings = config.getOrThrow('stream', { infer: true });
    this.intervalMs = settings.minIntervalMs;
    this.retryRange = settings.retryMs;
    const abandonMs = config.getOrThrow('queue', { infer: true }).abandonSeconds * 1000;
    this.presenceMs = Math.min(MAX_PRESENCE_INTERVAL_MS, Math.floor(abandonMs / 3));
  }

  onModuleInit(): void {
    this.connectionsGauge.set(0);
    this.subscription = this.lineEvents.events().subscribe((delivery) => this.onLineEvent(delivery));
    this.heartbeat = setInterval(() => {
      for (const stream of this.all()) stream.connection.heartbeat();
    }, HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    this.presence = setInterval(() => void this.refreshPresence(), this.presenceMs);
    this.presence.unref();
    // Streams never end by themselves: end them before the server's close waits for them.
    this.adapterHost.httpAdapter?.getInstance<FastifyInstance>().addHook('preClose', (done: () => void) => {
      this.closeAll();
      done();
    });
  }

  onModuleDestroy(): void {
    this.closeAll();
    this.subscription?.unsubscribe();
  }

  /** Open ticket streams in this process. */
  get size(): number {
    return this.size_;
  }

  /**
   * Opens the stream: the ticket at once, then every change. An unknown product or ticket is
   * a 404 before anything is written; a refusal time lifts goes as the stock streams' do.
   */
  async open(
    productId: number,
    ticketId: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    if (request.method === 'HEAD') return answerEventStream(reply, '');
    if (!TICKET_ID.test(ticketId)) {
      await this.products.findOne(productId); // an unknown product is its 404 first
      throw new TicketNotFoundError();
    }
    const client = request.ip;
    const refused = this.closing ? 'shutdown' : this.slots.take(client);
    if (refused) return this.refuse(refused, request, reply);
    const connection = new StreamConnection({
      productIds: [productId],
      sink: reply.raw,
      intervalMs: this.intervalMs,
      retryMs: retryDelayMs(this.retryRange),
      lastId: parseLastEventId(request.headers['last-event-id']),
      onSent: (events) => this.eventsSent.inc(events),
      eventName: 'queue',
    });
    const stream = new TicketStream(productId, ticketId, client, connection, this.key);
    // Listed before the read, so an event during the read is not lost (it makes a second read).
    this.attach(stream);
    reply.raw.once('close', () => this.detach(stream));
    let first: KnownTicket | null;
    try {
      stream.ratePerMinute = await this.rateOf(productId);
      first = await this.lines.get(productId, ticketId, Date.now(), true);
    } catch (error) {
      this.detach(stream);
      if (isNotFound(error)) throw error;
      if (reply.raw.destroyed) return;
      return this.refuse('unavailable', request, reply, error);
    }
    if (!first) {
      this.detach(stream);
      throw new TicketNotFoundError();
    }
    if (!this.byProduct.get(productId)?.has(stream)) {
      if (reply.raw.destroyed) return;
      return this.refuse('shutdown', request, reply);
    }
    startEventStream(reply);
    stream.merge(first);
    this.render(stream);
    connection.start();
    if (stream.missed) void this.reread([stream]);
  }

  /** Ends every stream (shutdown); new ones are refused from now on. */
  closeAll(): void {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    clearInterval(this.presence);
    const open = [...this.all()];
    if (open.length > 0) this.logger.log({ event: 'queue.stream_shutdown', connections: open.length });
    for (const stream of open) {
      stream.connection.end();
      this.detach(stream);
    }
  }

  private *all(): Iterable<TicketStream> {
    for (const streams of this.byProduct.values()) yield* streams;
  }

  private attach(stream: TicketStream): void {
    let streams = this.byProduct.get(stream.productId);
    if (!streams) this.byProduct.set(stream.productId, (streams = new Set()));
    streams.add(stream);
    let same = this.byTicket.get(stream.ticketId);
    if (!same) this.byTicket.set(stream.ticketId, (same = new Set()));
    same.add(stream);
    this.connectionsGauge.set(++this.size_);
  }

  private detach(stream: TicketStream): void {
    const streams = this.byProduct.get(stream.productId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.byProduct.delete(stream.productId);
    const same = this.byTicket.get(stream.ticketId);
    if (same?.delete(stream) && same.size === 0) this.byTicket.delete(stream.ticketId);
    this.slots.release(stream.client);
    stream.dispose();
    this.connectionsGauge.set(--this.size_);
  }

  private refuse(reason: StreamRefusal, request: FastifyRequest, reply: FastifyReply, error?: unknown): void {
    this.refusals.inc({ reason });
    if (!acceptsEventStream(request.headers.accept)) {
      if (reason === 'unavailable') throw error;
      throw new StreamsBusyError(reason);
    }
    this.logger.debug({ event: 'queue.stream_refused', reason, client: request.ip });
    answerEventStream(reply, busyRefusal(retryDelayMs(this.retryRange)));
  }

  /** The product's queue_admit_per_minute (404 when it does not exist), one read per second for all opens. */
  private rateOf(productId: number): Promise<number> {
    const now = performance.now();
    const recent = this.productReads.get(productId);
    if (recent && now - recent.at < PRODUCT_READ_REUSE_MS) return recent.rate;
    const rate = this.products.findOne(productId).then((product) => product.queueAdmitPerMinute);
    this.productReads.set(productId, { at: now, rate });
    // A failed read is not reused; the map keeps only products read this second.
    rate.catch(() => this.productReads.delete(productId));
    for (const [id, read] of this.productReads) {
      if (now - read.at >= PRODUCT_READ_REUSE_MS) this.productReads.delete(id);
    }
    return rate;
  }

  private render(stream: TicketStream): void {
    stream.render(() => this.render(stream));
  }

  private onLineEvent(delivery: LineDelivery): void {
    if (delivery.kind === 'resync') {
      const streams = [...this.all()];
      if (streams.length > 0) this.logger.log({ event: 'queue.stream_resync', connections: streams.length });
      void this.reread(streams);
      return;
    }
    const streams = this.byProduct.get(delivery.productId);
    if (!streams) return;
    if (delivery.kind !== 'admitted') {
      for (const stream of streams) this.deliver(stream, delivery);
      if (delivery.kind === 'drawn') void this.reread([...streams].filter((s) => s.loaded && s.inLine));
      return;
    }
    // Looked up by id once per event, not scanned per stream (an event may carry thousands).
    const decided = decisionsOf(delivery);
    // Status changes first: the admitted and skipped tickets' streams, before anyone's `ahead`.
    const first = new Set<TicketStream>();
    for (const id of [...decided.admitted.keys(), ...decided.expired]) {
      for (const stream of this.byTicket.get(id) ?? []) {
        if (stream.productId !== delivery.productId) continue;
        first.add(stream);
        this.deliver(stream, delivery, decided);
      }
    }
    const rest = first.size === 0 ? [...streams] : [...streams].filter((stream) => !first.has(stream));
    this.walkAhead(rest, 0, delivery, decided);
  }

  /**
   * The other streams' `ahead`, AHEAD_WALK_CHUNK at a time, each chunk in its own turn: a
   * later event's admissions go out in between. Moving `ahead` is monotonic (never up), so
   * a walk that finishes after a newer event's changes nothing back.
   */
  private walkAhead(streams: TicketStream[], from: number, event: LineEvent, decided: Decisions): void {
    const to = Math.min(streams.length, from + AHEAD_WALK_CHUNK);
    for (let i = from; i < to; i++) {
      const stream = streams[i];
      if (this.byProduct.get(stream.productId)?.has(stream)) this.deliver(stream, event, decided);
    }
    if (to < streams.length) setImmediate(() => this.walkAhead(streams, to, event, decided));
  }

  private deliver(stream: TicketStream, event: LineEvent, decided?: Decisions): void {
    if (!stream.loaded) {
      stream.missed = true;
      return;
    }
    this.apply(stream, event, decided);
  }

  private apply(stream: TicketStream, event: LineEvent, decided?: Decisions): void {
    switch (event.kind) {
      case 'admitted': {
        stream.ratePerMinute = event.ratePerMinute;
        const admitted = decided?.admitted.get(stream.ticketId);
        if (admitted) stream.decided(admitted);
        else if (decided?.expired.has(stream.ticketId)) stream.turn('expired', true);
        else stream.headMoved(event.head);
        break;
      }
      case 'sold_out':
        stream.turn('sold_out', true);
        break;
      case 'closed':
        stream.turn('expired', false);
        break;
      case 'drawn':
        return; // read again: the draw handed out positions no event carries
    }
    this.render(stream);
  }

  /** Reads these streams' tickets again; a ticket gone (Redis lost the line) ends its stream. */
  private async reread(streams: TicketStream[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < streams.length) {
        const stream = streams[next++];
        stream.missed = false;
        try {
          const found = await this.lines.get(stream.productId, stream.ticketId, Date.now(), false);
          if (!this.byProduct.get(stream.productId)?.has(stream)) continue;
          if (!found) {
            this.logger.log({ event: 'queue.stream_ticket_gone', product_id: stream.productId });
            stream.connection.end();
            this.detach(stream);
            continue;
          }
          stream.merge(found);
          this.render(stream);
        } catch (error) {
          // Redis away: the resync that follows its return reads again.
          this.logger.warn({ event: 'queue.stream_read_failed', message: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REREAD_CONCURRENCY, streams.length) }, worker));
  }

  /** Every open stream of a ticket still in line is its presence: one call per product. */
  private async refreshPresence(): Promise<void> {
    const now = Date.now();
    for (const [productId, streams] of this.byProduct) {
      const ids = new Set<string>();
      for (const stream of streams) if (stream.inLine) ids.add(stream.ticketId);
      if (ids.size === 0) continue;
      try {
        await this.lines.markSeen(productId, [...ids], now);
      } catch (error) {
        this.logger.warn({
          event: 'queue.stream_presence_failed',
          product_id: productId,
          message: (error as Error).message,
        });
      }
    }
  }
}

interface Decisions {
  admitted: Map<string, StoredTicket>;
  expired: Set<string>;
}

function decisionsOf(event: Extract<LineEvent, { kind: 'admitted' }>): Decisions {
  return {
    admitted: new Map(event.admitted.map((ticket) => [ticket.id, ticket])),
    expired: new Set(event.expired),
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'kind' in error && (error as { kind: string }).kind === 'not_found';
}

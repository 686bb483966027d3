import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter, Gauge } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { AllConfig } from '../config/config.types';
import { ProductResponseDto } from '../products/dto/product-response.dto';
import { ProductNotFoundError } from '../products/product.errors';
import type { ProductChange } from '../products/changes/product-change';
import { ProductChanges } from '../products/changes/product-changes';
import { ProductsService } from '../products/products.service';
import { ProductTopic } from './product-topic';
import { MissingProducts } from './missing-products';
import { busyRefusal, HEARTBEAT_INTERVAL_MS, parseLastEventId, StockSnapshot } from './stock-event';
import { StreamConnection } from './stream-connection';
import { StreamsBusyError } from './stream.errors';
import { STREAM_METRICS } from './stream-metrics';
import { acceptsEventStream, retryDelayMs, RetryRange } from './stream-negotiation';
import { answerEventStream, startEventStream } from './stream-reply';
import { StreamRefusal, StreamSlots } from './stream-slots';

/** What a stream is opened for. */
export interface StreamRequest {
  productIds: readonly number[];
  /**
   * The one-product route: its product must exist (404 otherwise) and its stream ends if the
   * product goes. A multi-product stream instead waits for an unknown id to appear.
   */
  requiresAll: boolean;
}

/** What the hub keeps for each open stream. */
interface StreamOwner {
  /** The client address (request.ip, as TRUST_PROXY decides) whose slot it holds. */
  client: string;
  requiresAll: boolean;
}

/**
 * This process's live stock streams: the connections (bounded by STREAM_MAX_CONNECTIONS, and
 * STREAM_MAX_PER_CLIENT per client address), one ProductTopic per product watched, and the
 * change notifications that drive them.
 *
 * Written to the raw response rather than through Nest's @Sse(): @Sse() queues every event
 * for a client that is not reading (and drops it past 4 MB), where a stock stream wants the
 * latest state instead of a backlog, which needs the socket's backpressure; it also has no
 * comment lines for the heartbeat.
 */
@Injectable()
export class ProductStreamHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ProductStreamHub.name);
  private readonly topics = new Map<number, ProductTopic>();
  private readonly connections = new Map<StreamConnection, StreamOwner>();
  private readonly failingReads = new Set<number>();
  private readonly intervalMs: number;
  private readonly retryRange: RetryRange;
  private readonly missing: MissingProducts;
  private subscription: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly products: ProductsService,
    private readonly changes: ProductChanges,
    private readonly adapterHost: HttpAdapterHost,
    /** Shared with the ticket streams (one set of limits). */
    private readonly slots: StreamSlots,
    @InjectMetric(STREAM_METRICS.connections) private readonly connectionsGauge: Gauge,
    @InjectMetric(STREAM_METRICS.events) private readonly eventsSent: Counter,
    @InjectMetric(STREAM_METRICS.reads) private readonly reads: Counter,
    @InjectMetric(STREAM_METRICS.resyncs) private readonly resyncs: Counter,
    @InjectMetric(STREAM_METRICS.refusals) private readonly refusals: Counter,
  ) {
    const settings = config.getOrThrow('stream', { infer: true });
    this.intervalMs = settings.minIntervalMs;
    this.retryRange = settings.retryMs;
    this.missing = new MissingProducts(settings.minIntervalMs);
  }

  onModuleInit(): void {
    this.connectionsGauge.set(0);
    this.subscription = this.changes.changes().subscribe((change) => this.onChange(change));
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections.keys()) connection.heartbeat();
    }, HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    // Streams never end by themselves, so the server's close (which waits for responses in
    // flight) would wait forever: end them first, before it stops listening (SIGTERM too).
    this.adapterHost.httpAdapter?.getInstance<FastifyInstance>().addHook('preClose', (done: () => void) => {
      this.closeAll();
      done();
    });
  }

  onModuleDestroy(): void {
    this.closeAll();
    this.subscription?.unsubscribe();
  }

  /**
   * Opens a stream on this request: the current state of each product at once, then every
   * change. A refusal that time will lift (limits reached, shutdown, database away) goes to an
   * EventSource as a 200 event stream that says `retry:` and `busy` and ends, so the browser
   * comes back by itself; to any other client as the JSON error (503 with Retry-After).
   * An unknown product on the one-product route is thrown before anything is written (404).
   */
  async open(stream: StreamRequest, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // HEAD: the headers a GET would start with, and nothing held (a GET never ends).
    if (request.method === 'HEAD') return answerEventStream(reply, '');
    const client = request.ip;
    const refused = this.closing ? 'shutdown' : this.slots.take(client);
    if (refused) return this.refuse(refused, request, reply);
    const connection = new StreamConnection({
      productIds: stream.productIds,
      sink: reply.raw,
      intervalMs: this.intervalMs,
      retryMs: retryDelayMs(this.retryRange),
      lastId: parseLastEventId(request.headers['last-event-id']),
      onSent: (events) => this.eventsSent.inc(events),
    });
    // Counted and subscribed before the first read, so no change can fall between the read
    // and the subscription, and concurrent opens cannot pass the limits together.
    this.attach(connection, { client, requiresAll: stream.requiresAll });
    reply.raw.once('close', () => this.detach(connection));
    let states: (StockSnapshot | null)[];
    try {
      states = await this.initialStates(stream.productIds);
    } catch (error) {
      this.detach(connection);
      // The read failed (database away; logged once by onReadFailed): the browser comes back.
      if (reply.raw.destroyed) return;
      return this.refuse('unavailable', request, reply, error);
    }
    const missing = stream.productIds.find((_id, index) => states[index] === null);
    if (stream.requiresAll && missing !== undefined) {
      this.detach(connection);
      throw new ProductNotFoundError(missing);
    }
    // Detached while reading: the client left (nothing to answer), or shutdown began.
    if (!this.connections.has(connection)) {
      if (reply.raw.destroyed) return;
      return this.refuse('shutdown', request, reply);
    }
    startEventStream(reply);
    for (const state of states) if (state) connection.offer(state);
    connection.start();
  }

  /** Open streams in this process. */
  get size(): number {
    return this.connections.size;
  }

  /** The most any one client makes this process hold for it: unsent states and unsent bytes. */
  largestBacklog(): { pendingStates: number; bufferedBytes: number } {
    let pendingStates = 0;
    let bufferedBytes = 0;
    for (const connection of this.connections.keys()) {
      pendingStates = Math.max(pendingStates, connection.pendingStates);
      bufferedBytes = Math.max(bufferedBytes, connection.bufferedBytes);
    }
    return { pendingStates, bufferedBytes };
  }

  /** Ends every stream (shutdown); new ones are refused from now on. */
  closeAll(): void {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    const open = [...this.connections.keys()];
    if (open.length > 0) this.logger.log({ event: 'stream.shutdown', connections: open.length });
    for (const connection of open) {
      connection.end();
      this.detach(connection);
    }
  }

  /**
   * Each product's state to start with: none for an id a read found missing this interval (no
   * read), the topic's trusted state, or a read shared with every other opener.
   */
  private initialStates(productIds: readonly number[]): Promise<(StockSnapshot | null)[]> {
    const live = this.changes.isLive();
    return Promise.all(
      productIds.map((id) => (this.missing.has(id) ? null : this.topics.get(id)!.current(live))),
    );
  }

  private refuse(reason: StreamRefusal, request: FastifyRequest, reply: FastifyReply, error?: unknown): void {
    this.refusals.inc({ reason });
    if (!acceptsEventStream(request.headers.accept)) {
      if (reason === 'unavailable') throw error;
      throw new StreamsBusyError(reason);
    }
    this.logger.debug({ event: 'stream.refused', reason, client: request.ip });
    answerEventStream(reply, busyRefusal(retryDelayMs(this.retryRange)));
  }

  /** Adds a connection whose slot is taken. */
  private attach(connection: StreamConnection, owner: StreamOwner): void {
    this.connections.set(connection, owner);
    this.connectionsGauge.set(this.connections.size);
    for (const productId of connection.productIds) {
      let topic = this.topics.get(productId);
      if (!topic) {
        topic = new ProductTopic(productId, (id) => this.load(id), this.intervalMs, {
          readFailed: (id, error) => this.onReadFailed(id, error),
          absent: (id, settled) => this.onAbsent(id, settled),
        });
        this.topics.set(productId, topic);
      }
      topic.connections.add(connection);
    }
  }

  private detach(connection: StreamConnection): void {
    const owner = this.connections.get(connection);
    if (!owner) return;
    this.connections.delete(connection);
    this.slots.release(owner.client);
    connection.dispose();
    this.connectionsGauge.set(this.connections.size);
    for (const productId of connection.productIds) {
      const topic = this.topics.get(productId);
      if (!topic) continue;
      topic.connections.delete(connection);
      // Nobody watches it: stop reading it (a new watcher starts from a fresh read).
      if (topic.connections.size === 0) {
        topic.close();
        this.topics.delete(productId);
      }
    }
  }

  private onChange(change: ProductChange): void {
    if (change.kind === 'changed') {
      // A product just created or published is read at once, not after the miss expires.
      this.missing.forget(change.productId);
      this.topics.get(change.productId)?.changed();
      return;
    }
    this.missing.clear();
    this.resyncs.inc();
    this.logger.log({
      event: 'stream.resync',
      products: this.topics.size,
      connections: this.connections.size,
    });
    for (const topic of this.topics.values()) topic.changed(true);
  }

  private async load(productId: number): Promise<ProductResponseDto | null> {
    this.reads.inc();
    try {
      const product = ProductResponseDto.from(await this.products.findOne(productId));
      if (this.failingReads.delete(productId)) {
        this.logger.log({ event: 'stream.read_recovered', product_id: productId });
      }
      return product;
    } catch (error) {
      if (error instanceof ProductNotFoundError) return null;
      throw error;
    }
  }

  private onReadFailed(productId: number, error: unknown): void {
    // Once per product and outage: the read is retried every second.
    if (this.failingReads.has(productId)) return;
    this.failingReads.add(productId);
    this.logger.warn({
      event: 'stream.read_failed',
      product_id: productId,
      message: (error as Error).message,
    });
  }

  private onAbsent(productId: number, settled: boolean): void {
    if (settled) this.missing.add(productId);
    const topic = this.topics.get(productId);
    if (!topic) return;
    const ending = [...topic.connections].filter((c) => this.connections.get(c)?.requiresAll);
    if (ending.length === 0) return;
    this.logger.log({ event: 'stream.product_gone', product_id: productId, connections: ending.length });
    for (const connection of ending) {
      connection.end();
      this.detach(connection);
    }
  }
}

import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Counter, Gauge } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { AllConfig } from '../config/config.types';
import { ProductResponseDto } from '../products/dto/product-response.dto';
import { ProductNotFoundError } from '../products/product.errors';
import type { ProductChange } from '../products/changes/product-change';
import { ProductChanges } from '../products/changes/product-changes';
import { ProductsService } from '../products/products.service';
import { ProductTopic } from './product-topic';
import { parseLastEventId } from './stock-event';
import { StreamConnection } from './stream-connection';
import { StreamsBusyError } from './stream.errors';
import { STREAM_METRICS } from './stream-metrics';

const HEARTBEAT_INTERVAL_MS = 15_000;

/**
 * Headers of every stream. No compression applies (the response is written to the socket
 * directly, past any reply hook), and X-Accel-Buffering stops nginx from holding events back.
 */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/**
 * This process's live stock streams: the connections (bounded by STREAM_MAX_CONNECTIONS),
 * one ProductTopic per product watched, and the change notifications that drive them.
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
  private readonly connections = new Set<StreamConnection>();
  private readonly failingReads = new Set<number>();
  private readonly intervalMs: number;
  private readonly maxConnections: number;
  private subscription: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly products: ProductsService,
    private readonly changes: ProductChanges,
    private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(STREAM_METRICS.connections) private readonly connectionsGauge: Gauge,
    @InjectMetric(STREAM_METRICS.events) private readonly eventsSent: Counter,
    @InjectMetric(STREAM_METRICS.reads) private readonly reads: Counter,
    @InjectMetric(STREAM_METRICS.resyncs) private readonly resyncs: Counter,
  ) {
    this.intervalMs = config.getOrThrow('stream.minIntervalMs', { infer: true });
    this.maxConnections = config.getOrThrow('stream.maxConnections', { infer: true });
  }

  onModuleInit(): void {
    this.connectionsGauge.set(0);
    this.subscription = this.changes.changes().subscribe((change) => this.onChange(change));
    this.heartbeat = setInterval(() => this.connections.forEach((c) => c.heartbeat()), HEARTBEAT_INTERVAL_MS);
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
   * Opens a stream of `productIds` on this request: the current state of each at once, then
   * every change. Refusals (limit reached, unknown product, database away) are thrown before
   * anything is written, so the error filter answers them as usual.
   */
  async open(productIds: readonly number[], request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.closing || this.connections.size >= this.maxConnections) throw new StreamsBusyError();
    const connection = new StreamConnection(
      productIds,
      reply.raw,
      this.intervalMs,
      parseLastEventId(request.headers['last-event-id']),
      (events) => this.eventsSent.inc(events),
    );
    // Counted and subscribed before the first read, so no change can fall between the read
    // and the subscription, and concurrent opens cannot pass the limit together.
    this.attach(connection);
    reply.raw.once('close', () => this.detach(connection));
    let snapshots;
    try {
      snapshots = await Promise.all(
        productIds.map((id) => this.topics.get(id)!.current(this.changes.isLive())),
      );
    } catch (error) {
      this.detach(connection);
      throw error;
    }
    const missing = productIds.find((_id, index) => snapshots[index] === null);
    if (missing !== undefined) {
      this.detach(connection);
      throw new ProductNotFoundError(missing);
    }
    // Detached while reading: the client left (nothing to answer), or shutdown began.
    if (!this.connections.has(connection)) {
      if (reply.raw.destroyed) return;
      throw new StreamsBusyError();
    }
    reply.hijack();
    reply.raw.writeHead(200, { ...reply.getHeaders(), ...STREAM_HEADERS } as OutgoingHttpHeaders);
    snapshots.forEach((snapshot) => connection.offer(snapshot!));
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
    for (const connection of this.connections) {
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
    const open = [...this.connections];
    if (open.length > 0) this.logger.log({ event: 'stream.shutdown', connections: open.length });
    for (const connection of open) {
      connection.end();
      this.detach(connection);
    }
  }

  private attach(connection: StreamConnection): void {
    this.connections.add(connection);
    this.connectionsGauge.set(this.connections.size);
    for (const productId of connection.productIds) {
      let topic = this.topics.get(productId);
      if (!topic) {
        topic = new ProductTopic(productId, (id) => this.load(id), this.intervalMs, {
          readFailed: (id, error) => this.onReadFailed(id, error),
          gone: (id) => this.onGone(id),
        });
        this.topics.set(productId, topic);
      }
      topic.connections.add(connection);
    }
  }

  private detach(connection: StreamConnection): void {
    if (!this.connections.delete(connection)) return;
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
      this.topics.get(change.productId)?.changed();
      return;
    }
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

  private onGone(productId: number): void {
    const topic = this.topics.get(productId);
    if (!topic) return;
    this.logger.log({
      event: 'stream.product_gone',
      product_id: productId,
      connections: topic.connections.size,
    });
    for (const connection of [...topic.connections]) {
      connection.end();
      this.detach(connection);
    }
  }
}

import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisConfig } from '../config/redis.config';
import {
  createIoRedisClient,
  createIoRedisNodeConnection,
  IoRedisClient,
  knownNodes,
} from './ioredis-client';
import { RedisAvailability, RedisClientName } from './redis-availability';

/** Reconnect quickly once Redis is back, so the resync comes within about a second. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** A publish that Redis neither answers nor refuses within this counts as lost (then: resync). */
const PUBLISH_TIMEOUT_MS = 1_000;
/** The message that tells every other process to read all it watches again. */
const RESYNC = 'resync';

/** What a subscriber hears: another process's message, or "you may have missed some: read again". */
export type BroadcastDelivery = { kind: 'message'; body: string } | { kind: 'resync' };

export interface BroadcastChannelOptions {
  /** The pub/sub channel's full name (hash-tagged by the caller). */
  channel: string;
  /** This process's id: a message is `<origin> <body>`, and a process skips its own. */
  origin: string;
  /** The subscriber's name in CLIENT LIST. */
  connectionName: string;
  /** How its publisher and subscriber are named in redis.unavailable / redis.recovered. */
  clients: { publisher: RedisClientName; subscriber: RedisClientName };
  /** The logger's context and the prefix of its log events (`<prefix>.redis_unavailable`, ...). */
  loggerContext: string;
  eventPrefix: string;
  deliver: (delivery: BroadcastDelivery) => void;
}

/**
 * Redis pub/sub between the processes of one deployment, on one Redis server or a Redis
 * Cluster: the product changes of the live stock streams and the waiting room's line events
 * both use it.
 *
 * On a cluster this is classic PUBLISH/SUBSCRIBE, not sharded SPUBLISH/SSUBSCRIBE, so a stopped
 * master only moves the subscriber to another node: why, and what it costs, in
 * docs/operations.md ("Scale-out on clusters", the live stock streams' fan-out). Past a few
 * dozen nodes, sharded pub/sub with replicas is the switch (channels are already hash-tagged).
 *
 * Publishing: one client (ioredis `Cluster` or `Redis`, from the shared factory), fire and
 * forget, failing at once while Redis is away instead of queueing. A publish that failed may
 * have left other processes stale even though their subscriptions stayed up (on a cluster the
 * publish went to a node that was down, the subscribers listen elsewhere), so once publishing
 * works again this process publishes a `resync` that makes them read again.
 *
 * Subscribing: one plain connection to one node, opened only by a process that listens,
 * subscribed by hand on every connect (not ioredis' autoResubscribe, nor its Cluster
 * subscriber, which resubscribes silently): the resync is announced only once the subscription
 * is back, so a message published in between is either heard or its change is made before the
 * resync's reads start. When the connection ends (its node stopped), the next known node is tried.
 */
export class RedisBroadcastChannel {
  private readonly logger: Logger;
  private readonly publisher: IoRedisClient;
  /** One for the successive subscriber connections: an outage is reported once, not per attempt. */
  private readonly subscriberAvailability: RedisAvailability;
  private subscriber: Redis | undefined;
  private started = false;
  private closed = false;
  private listening = false;
  /** Whether a subscription has been up and then lost: its return means a resync. */
  private subscriptionLost = false;
  private reconnectAttempt = 0;
  private nodeIndex = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** A publish failed since the last resync was sent: the other processes may have missed a message. */
  private resyncOwed = false;
  private publishFailing = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncAttempt = 0;

  constructor(
    private readonly redis: RedisConfig,
    private readonly options: BroadcastChannelOptions,
  ) {
    this.logger = new Logger(options.loggerContext);
    this.subscriberAvailability = new RedisAvailability(options.clients.subscriber);
    this.publisher = createIoRedisClient(redis, {
      maxRetriesPerRequest: 0,
      commandTimeoutMs: PUBLISH_TIMEOUT_MS,
      maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
    });
    new RedisAvailability(options.clients.publisher).watch(this.publisher);
  }

  /** Fire and forget; `logFields` name what was lost in the (once per outage) warning. */
  publish(body: string, logFields: Record<string, unknown> = {}): void {
    this.publisher.publish(this.options.channel, `${this.options.origin} ${body}`).then(
      () => undefined,
      (error: Error) => this.onPublishFailed(error, logFields),
    );
  }

  listen(): void {
    if (this.started) return;
    this.started = true;
    this.connectSubscriber();
  }

  isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.resyncTimer);
    // disconnect(), not quit(): a Redis that is down would leave quit() waiting.
    this.subscriber?.disconnect();
    this.publisher.disconnect();
    await Promise.resolve();
  }

  private event(name: string): string {
    return `${this.options.eventPrefix}.${name}`;
  }

  private onPublishFailed(error: Error, logFields: Record<string, unknown>): void {
    this.resyncOwed = true;
    this.scheduleResyncPublish();
    // Once per outage: during one, every publish would repeat it.
    if (this.publishFailing) return;
    this.publishFailing = true;
    this.logger.warn({ event: this.event('publish_failed'), ...logFields, message: error.message });
  }

  private scheduleResyncPublish(): void {
    if (this.resyncTimer || this.closed) return;
    const delay = backoff(this.resyncAttempt++);
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      // Cleared before sending: a publish that fails from now on owes another resync.
      this.resyncOwed = false;
      this.publisher.publish(this.options.channel, `${this.options.origin} ${RESYNC}`).then(
        () => {
          this.resyncAttempt = 0;
          if (this.resyncOwed) return this.scheduleResyncPublish();
          this.publishFailing = false;
          this.logger.log({ event: this.event('publish_recovered') });
        },
        () => {
          this.resyncOwed = true;
          this.scheduleResyncPublish();
        },
      );
    }, delay);
    this.resyncTimer.unref();
  }

  private connectSubscriber(): void {
    if (this.closed) return;
    const nodes = knownNodes(this.redis, this.publisher);
    const node = nodes[this.nodeIndex++ % nodes.length];
    const subscriber = createIoRedisNodeConnection(this.redis, node, {
      autoResubscribe: false,
      maxRetriesPerRequest: 0,
      connectionName: this.options.connectionName,
    });
    this.subscriber = subscriber;
    this.subscriberAvailability.watch(subscriber);
    subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    subscriber.once('ready', () => void this.subscribe(subscriber));
    subscriber.once('end', () => this.onSubscriberEnd(subscriber));
  }

  private async subscribe(subscriber: Redis): Promise<void> {
    try {
      // A node that just (re)started answers before it has rejoined the cluster bus, and
      // would not relay the other nodes' messages yet: listen on a node of a healthy cluster.
      if (this.redis.clusterNodes && !(await clusterStateOk(subscriber))) throw new Error('cluster not ok');
      await subscriber.subscribe(this.options.channel);
    } catch {
      subscriber.disconnect(); // Ends it: the next node is tried.
      return;
    }
    if (subscriber !== this.subscriber || this.closed) return;
    this.reconnectAttempt = 0;
    this.listening = true;
    if (this.subscriptionLost) {
      this.subscriptionLost = false;
      this.logger.log({ event: this.event('redis_available') });
    }
    // Every time, the first too: whatever was watched before this subscription (while Redis
    // was away, or before it first answered) may have missed messages of other processes.
    this.options.deliver({ kind: 'resync' });
  }

  private onSubscriberEnd(subscriber: Redis): void {
    if (subscriber !== this.subscriber || this.closed) return;
    if (this.listening) {
      this.listening = false;
      this.subscriptionLost = true;
      this.logger.warn({ event: this.event('redis_unavailable') });
    }
    this.reconnectTimer = setTimeout(() => this.connectSubscriber(), backoff(this.reconnectAttempt++));
    this.reconnectTimer.unref();
  }

  private onMessage(message: string): void {
    const space = message.indexOf(' ');
    if (message.slice(0, space) === this.options.origin) return;
    const body = message.slice(space + 1);
    this.options.deliver(body === RESYNC ? { kind: 'resync' } : { kind: 'message', body });
  }
}

function backoff(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);
}

async function clusterStateOk(connection: Redis): Promise<boolean> {
  const info = String(await connection.call('CLUSTER', 'INFO'));
  return /^cluster_state:ok\r?$/m.test(info);
}

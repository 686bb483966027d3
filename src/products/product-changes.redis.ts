import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/redis.config';
import type { ProductChange } from './product-changes';

const CONNECT_TIMEOUT_MS = 1_000;
/** Reconnect quickly once Redis is back, so the resync comes within about a second. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** The channel every process of one deployment publishes product changes on. */
export function productChangesChannel(prefix: string): string {
  return `${prefix}:product-changes`;
}

/**
 * Redis pub/sub for product changes: one connection publishes (fire and forget, failing at
 * once while Redis is away instead of queueing), another subscribes, opened only by a
 * process that listens. A message is `<origin> <productId>`; a process skips its own.
 */
export class RedisProductChangesChannel {
  private readonly logger = new Logger('ProductChanges');
  private readonly name: string;
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private listening = false;
  /** Whether a subscription has been up and then lost: its return means a resync. */
  private subscriptionLost = false;
  private publishFailing = false;

  constructor(
    private readonly redis: RedisConfig,
    private readonly origin: string,
    private readonly deliver: (change: ProductChange) => void,
  ) {
    this.name = productChangesChannel(redis.prefix);
    this.publisher = new Redis({ ...this.options(), enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    this.publisher.on('error', () => undefined);
  }

  publish(productId: number): void {
    this.publisher.publish(this.name, `${this.origin} ${productId}`).then(
      () => {
        if (!this.publishFailing) return;
        this.publishFailing = false;
        this.logger.log({ event: 'stream.publish_recovered' });
      },
      (error: Error) => {
        // Once per outage: during one, every hold would repeat it.
        if (this.publishFailing) return;
        this.publishFailing = true;
        this.logger.warn({ event: 'stream.publish_failed', product_id: productId, message: error.message });
      },
    );
  }

  listen(): void {
    if (this.subscriber) return;
    // Subscribed by hand on every 'ready' (not ioredis' autoResubscribe), so the resync is
    // announced only once the subscription is back: a change published in between is either
    // heard or committed before the resync's reads start.
    const subscriber = new Redis({ ...this.options(), autoResubscribe: false, maxRetriesPerRequest: 0 });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    subscriber.on('close', () => this.onSubscriptionLost());
    subscriber.on('ready', () => void this.subscribe(subscriber));
  }

  isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.listening = false;
    // disconnect(), not quit(): a Redis that is down would leave quit() waiting.
    this.subscriber?.disconnect();
    this.publisher.disconnect();
    await Promise.resolve();
  }

  private async subscribe(subscriber: Redis): Promise<void> {
    try {
      await subscriber.subscribe(this.name);
    } catch {
      return; // Lost again at once: the next 'ready' tries again.
    }
    this.listening = true;
    if (this.subscriptionLost) {
      this.subscriptionLost = false;
      this.logger.log({ event: 'stream.redis_available' });
    }
    // Every time, the first too: whatever was watched before this subscription (while Redis
    // was away, or before it first answered) may have missed changes of other processes.
    this.deliver({ kind: 'resync' });
  }

  private onSubscriptionLost(): void {
    if (!this.listening) return;
    this.listening = false;
    this.subscriptionLost = true;
    this.logger.warn({ event: 'stream.redis_unavailable' });
  }

  private onMessage(message: string): void {
    const space = message.indexOf(' ');
    if (message.slice(0, space) === this.origin) return;
    const productId = Number(message.slice(space + 1));
    if (Number.isSafeInteger(productId) && productId > 0) this.deliver({ kind: 'changed', productId });
  }

  private options(): RedisOptions {
    return {
      host: this.redis.host,
      port: this.redis.port,
      password: this.redis.password,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
    };
  }
}

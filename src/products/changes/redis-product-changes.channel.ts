import { hostname } from 'node:os';
import type { RedisConfig } from '../../config/redis.config';
import { RedisBroadcastChannel } from '../../redis/redis-broadcast-channel';
import type { ProductChange } from './product-change';

/** The subscriber's name in CLIENT LIST: which process listens on which node. */
export function subscriberConnectionName(host: string, pid: number): string {
  return `product-changes@${host}:${pid}`;
}

/**
 * The channel every process of one deployment and one database publishes product changes on:
 * `<REDIS_PREFIX>:{<database id>}:product-changes`. The database's identity keeps two
 * databases sharing a Redis and a prefix (staging and test, a restored copy) out of each
 * other's streams, where the same product id names two different products. The id is the
 * hash tag, so the channel maps to one slot should it ever move to sharded pub/sub.
 */
export function productChangesChannel(prefix: string, databaseId: string): string {
  return `${prefix}:{${databaseId}}:product-changes`;
}

/**
 * Redis pub/sub for product changes (RedisBroadcastChannel: its publishing, subscriber
 * connection and resync rules). A message is `<origin> <productId>` (or `<origin> resync`).
 */
export class RedisProductChangesChannel {
  private readonly channel: RedisBroadcastChannel;

  constructor(
    redis: RedisConfig,
    databaseId: string,
    origin: string,
    deliver: (change: ProductChange) => void,
  ) {
    this.channel = new RedisBroadcastChannel(redis, {
      channel: productChangesChannel(redis.prefix, databaseId),
      origin,
      connectionName: subscriberConnectionName(hostname(), process.pid),
      clients: { publisher: 'publisher', subscriber: 'subscriber' },
      loggerContext: 'ProductChanges',
      eventPrefix: 'stream',
      deliver: (delivery) => {
        if (delivery.kind === 'resync') return deliver({ kind: 'resync' });
        const productId = Number(delivery.body);
        if (Number.isSafeInteger(productId) && productId > 0) deliver({ kind: 'changed', productId });
      },
    });
  }

  publish(productId: number): void {
    this.channel.publish(String(productId), { product_id: productId });
  }

  listen(): void {
    this.channel.listen();
  }

  isListening(): boolean {
    return this.channel.isListening();
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}

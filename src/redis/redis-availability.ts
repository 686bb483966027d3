import { Logger } from '@nestjs/common';
import type { IoRedisClient } from './ioredis-client';

/** What emits a Redis connection's events: an ioredis `Redis` or `Cluster`, or BullMQ's adapter around one. */
export interface RedisEvents {
  on(event: 'error' | 'ready', listener: (error?: Error) => void): unknown;
}

/** The process's Redis clients, as the `client` field of `redis.unavailable` / `redis.recovered` names them. */
export type RedisClientName =
  | 'commands'
  | 'queue-worker'
  | 'rate-limit'
  | 'publisher'
  | 'subscriber'
  | 'line-events-publisher'
  | 'line-events-subscriber';

const logger = new Logger('Redis');

/**
 * The one error listener every Redis client gets. Without one, ioredis prints `[ioredis]
 * Unhandled error event: ...` to stderr on every failed reconnect (one a second while Redis is
 * down): not JSON, unbounded, and hiding real errors. With it, an outage is one structured
 * `redis.unavailable` warning per client, and `redis.recovered` once that client is ready again.
 *
 * One instance per logical client: a caller that replaces its connection (the pub/sub
 * subscriber opens a new one per attempt) watches each new one with the same instance, so an
 * outage is still reported once.
 */
export class RedisAvailability {
  private unavailableSince: number | undefined;

  constructor(readonly client: RedisClientName) {}

  watch<T extends RedisEvents>(connection: T): T {
    connection.on('error', (error) => this.failed(error));
    connection.on('ready', () => this.recovered());
    return connection;
  }

  get available(): boolean {
    return this.unavailableSince === undefined;
  }

  private failed(error: Error | undefined): void {
    if (this.unavailableSince !== undefined) return;
    this.unavailableSince = Date.now();
    logger.warn({ event: 'redis.unavailable', client: this.client, reason: error?.message });
  }

  private recovered(): void {
    if (this.unavailableSince === undefined) return;
    const unavailableMs = Date.now() - this.unavailableSince;
    this.unavailableSince = undefined;
    logger.log({ event: 'redis.recovered', client: this.client, unavailable_ms: unavailableMs });
  }
}

/**
 * Watches every connection a library duplicates from `client` (BullMQ's Worker duplicates
 * the connection it is given for its blocking reads): it is created from our options, out of
 * our sight, and is a Redis client like the others. Each duplicate is reported on its own.
 */
export function watchDuplicates(client: IoRedisClient, name: RedisClientName): void {
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => IoRedisClient;
  (client as { duplicate: (...args: unknown[]) => IoRedisClient }).duplicate = (...args) =>
    new RedisAvailability(name).watch(duplicate(...args));
}

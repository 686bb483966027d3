import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Observable, Subject } from 'rxjs';
import type { AllConfig } from '../../config/config.types';
import { redisConfigured } from '../../config/redis.config';
import { DatabaseIdentity } from '../../database/database-identity';
import { RedisBroadcastChannel } from '../../redis/redis-broadcast-channel';
import { LineDelivery, LineEvent, parseLineEvent } from './line-event';

/**
 * The channel of one deployment and database: `<REDIS_PREFIX>:{<database id>}:queue-lines`
 * (the database's identity keeps two databases sharing a Redis apart, as for product changes).
 */
export function lineEventsChannel(prefix: string, databaseId: string): string {
  return `${prefix}:{${databaseId}}:queue-lines`;
}

/** The subscriber's name in CLIENT LIST. */
export function lineEventsConnectionName(host: string, pid: number): string {
  return `queue-lines@${host}:${pid}`;
}

/**
 * The waiting room's line events, to every process that follows ticket streams: in this
 * process at once, and with Redis on a pub/sub channel (RedisBroadcastChannel, the product
 * changes' rules: fire and forget, a `resync` to every listener once Redis is back). Publishing
 * never waits and never fails the change it reports.
 */
@Injectable()
export class LineEvents implements OnModuleDestroy {
  private readonly local = new Subject<LineDelivery>();
  private readonly channel: RedisBroadcastChannel | undefined;

  constructor(config: ConfigService<AllConfig, true>, database: DatabaseIdentity) {
    const redis = config.getOrThrow('redis', { infer: true });
    this.channel = redisConfigured(redis)
      ? new RedisBroadcastChannel(redis, {
          channel: lineEventsChannel(redis.prefix, database.id),
          origin: randomUUID(),
          connectionName: lineEventsConnectionName(hostname(), process.pid),
          clients: { publisher: 'line-events-publisher', subscriber: 'line-events-subscriber' },
          loggerContext: LineEvents.name,
          eventPrefix: 'queue.stream',
          deliver: (delivery) => {
            if (delivery.kind === 'resync') return this.local.next(delivery);
            const event = parseLineEvent(delivery.body);
            if (event) this.local.next(event);
          },
        })
      : undefined;
  }

  /** Call after the change. Never throws, never waits. */
  publish(event: LineEvent): void {
    this.local.next(event);
    this.channel?.publish(JSON.stringify(event), { product_id: event.productId });
  }

  /** Every event, from any process; subscribing opens the Redis subscription. */
  events(): Observable<LineDelivery> {
    this.channel?.listen();
    return this.local.asObservable();
  }

  async onModuleDestroy(): Promise<void> {
    this.local.complete();
    await this.channel?.close();
  }
}

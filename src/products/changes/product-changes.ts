import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { Observable, Subject } from 'rxjs';
import type { AllConfig } from '../../config/config.types';
import { redisConfigured } from '../../config/redis.config';
import { DatabaseIdentity } from '../../database/database-identity';
import type { ProductChange } from './product-change';
import { RedisProductChangesChannel } from './redis-product-changes.channel';

/**
 * "A product's stock or sale fields changed, after the commit": the one notification every
 * change makes, through ProductStock.afterCommit, which every stock change (holds, releases by
 * job or sweeper, cancelled orders, admin changes) calls after its commit.
 *
 * In this process it is delivered at once. With Redis (one server or a cluster) it is also
 * published on one channel under REDIS_PREFIX and the database's identity, so the other
 * processes (API and worker) on the same database hear it; a process ignores its own messages
 * coming back. Publishing never waits for Redis and never fails the change: a
 * lost notification is made up for by the resync every subscriber gets when Redis returns.
 */
@Injectable()
export class ProductChanges implements OnModuleDestroy {
  private readonly local = new Subject<ProductChange>();
  private readonly origin = randomUUID();
  private readonly channel: RedisProductChangesChannel | undefined;

  constructor(config: ConfigService<AllConfig, true>, database: DatabaseIdentity) {
    const redis = config.getOrThrow('redis', { infer: true });
    this.channel = redisConfigured(redis)
      ? new RedisProductChangesChannel(redis, database.id, this.origin, (change) => this.local.next(change))
      : undefined;
  }

  /** Call after the commit that changed the product. Never throws, never waits. */
  publish(productId: number): void {
    this.local.next({ kind: 'changed', productId });
    this.channel?.publish(productId);
  }

  /**
   * Every change, from any process. Subscribing (the stream module does, in API processes)
   * opens the Redis subscription; a process that never listens never opens one.
   */
  changes(): Observable<ProductChange> {
    this.channel?.listen();
    return this.local.asObservable();
  }

  /**
   * Whether every change made anywhere reaches this process right now: always without
   * Redis (one process), and with Redis while the subscription is up.
   */
  isLive(): boolean {
    return this.channel ? this.channel.isListening() : true;
  }

  async onModuleDestroy(): Promise<void> {
    this.local.complete();
    await this.channel?.close();
  }
}

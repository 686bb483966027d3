import { Injectable } from '@nestjs/common';
import type { Hold } from '../../holds/hold.entity';

/** `createdAt` and `holdExpiresAt` are both the database's clock: their difference is the delay. */
export type ScheduledHold = Pick<Hold, 'id' | 'holdExpiresAt' | 'createdAt'>;

/**
 * Schedules the on-time release of holds. Called after commit only; implementations never
 * throw and never wait long, because the sweeper releases whatever was not scheduled.
 * This abstraction is what lets the queue (BullMQ, Redis) be left out in one place.
 */
export abstract class HoldExpiryScheduler {
  abstract schedule(holds: readonly ScheduledHold[]): Promise<void>;

  /** Whether delayed jobs can run now (the queue's Redis connection is up). */
  abstract isLive(): boolean;
}

/** No queue (e.g. no Redis): the sweeper alone releases expired holds. */
@Injectable()
export class NoopHoldExpiryScheduler extends HoldExpiryScheduler {
  async schedule(): Promise<void> {}

  isLive(): boolean {
    return false;
  }
}

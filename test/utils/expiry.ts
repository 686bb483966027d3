import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { In, type DataSource } from 'typeorm';
import { HOLD_EXPIRY_QUEUE } from '../../src/expiry/expiry.constants';
import { Hold } from '../../src/holds/hold.entity';
import { HoldsService } from '../../src/holds/holds.service';
import type { TestApp } from './test-app';

/** The app's own hold-expiry queue, to look at jobs as BullMQ stores them. */
export function expiryQueue(t: TestApp): Queue {
  return t.app.get<Queue>(getQueueToken(HOLD_EXPIRY_QUEUE), { strict: false });
}

/**
 * Records every hold id that HoldsService reports as released, by any app in this process
 * and by either path (job or sweeper). A hold released twice would appear twice.
 */
export function recordReleases(): { ids: number[]; sources: Map<number, string>; restore: () => void } {
  const ids: number[] = [];
  const sources = new Map<number, string>();
  const original = HoldsService.prototype.releaseExpired;
  const spy = jest.spyOn(HoldsService.prototype, 'releaseExpired').mockImplementation(async function (
    this: HoldsService,
    ...args: Parameters<HoldsService['releaseExpired']>
  ) {
    const released = await original.apply(this, args);
    for (const hold of released) {
      ids.push(hold.id);
      sources.set(hold.id, args[2]);
    }
    return released;
  });
  return { ids, sources, restore: () => spy.mockRestore() };
}

export function loadHolds(dataSource: DataSource, ids: number[]): Promise<Hold[]> {
  return dataSource.getRepository(Hold).findBy({ id: In(ids) });
}

/** Ids that occur more than once. */
export function duplicates(ids: number[]): number[] {
  return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}

import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { In, type DataSource } from 'typeorm';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { HOLD_EXPIRY_QUEUE, holdJobId } from '../../src/expiry/scheduling/hold-expiry.jobs';
import { Hold } from '../../src/holds/hold.entity';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { reloadProduct } from '../factories/product.factory';
import { betweenUnits } from './embedded';
import type { TestApp } from './test-app';

/** The app's own hold-expiry queue, to look at jobs as BullMQ stores them. */
export function expiryQueue(t: TestApp): Queue {
  return t.app.get<Queue>(getQueueToken(HOLD_EXPIRY_QUEUE), { strict: false });
}

/** The BullMQ job id of a hold placed through this app (its database's identity, the hold's expiry). */
export function jobIdOf(t: TestApp, hold: { id: number; expiresAt: number }): string {
  return holdJobId(t.app.get(DatabaseIdentity).id, { id: hold.id, holdExpiresAt: new Date(hold.expiresAt) });
}

/**
 * Records every hold id that HoldReleasesService reports as released, by any app in this
 * process and by either path (job or sweeper). A hold released twice would appear twice.
 */
export function recordReleases(): { ids: number[]; sources: Map<number, string>; restore: () => void } {
  const ids: number[] = [];
  const sources = new Map<number, string>();
  const original = HoldReleasesService.prototype.release;
  const spy = jest.spyOn(HoldReleasesService.prototype, 'release').mockImplementation(async function (
    this: HoldReleasesService,
    ...args: Parameters<HoldReleasesService['release']>
  ) {
    const result = await original.apply(this, args);
    for (const hold of result.released) {
      ids.push(hold.id);
      sources.set(hold.id, args[1]);
    }
    return result;
  });
  return { ids, sources, restore: () => spy.mockRestore() };
}

export function loadHolds(dataSource: DataSource, ids: number[]): Promise<Hold[]> {
  return dataSource.getRepository(Hold).findBy({ id: In(ids) });
}

/** A hold as the API placed it, with hold_expires_at as a Date.now() timestamp. */
export interface PlacedHold {
  id: number;
  quantity: number;
  expiresAt: number;
}

/** Places a hold through the API (POST /api/holds, expecting 201). */
export async function placeHold(t: TestApp, productId: number, quantity: number): Promise<PlacedHold> {
  const response = await t.http.post('/api/holds').send({ product_id: productId, quantity }).expect(201);
  const { hold_id: id, hold_expires_at: expiresAt } = response.body.data;
  return { id: id as number, quantity, expiresAt: Date.parse(expiresAt) };
}

/** The product's available stock, read between the app's units of work (safe in both modes). */
export function stockOf(t: TestApp, productId: number): Promise<number> {
  return betweenUnits(t, async (dataSource) => (await reloadProduct(dataSource, productId)).availableStock);
}

/** The hold rows, read between the app's units of work (safe in both modes). */
export function holdsById(t: TestApp, ids: number[]): Promise<Hold[]> {
  return betweenUnits(t, (dataSource) => loadHolds(dataSource, ids));
}

/** Ids that occur more than once. */
export function duplicates(ids: number[]): number[] {
  return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}

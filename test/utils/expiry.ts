import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { In, type DataSource } from 'typeorm';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { HOLD_EXPIRY_QUEUE, holdJobId } from '../../src/expiry/scheduling/hold-expiry.jobs';
import { Hold } from '../../src/holds/hold.entity';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { reloadProduct } from '../factories/product.factory';
import { betweenUnits } from './embedded';
import { pollUntil } from './poll';
import type { TestApp } from './test-app';

/** The app's own hold-expiry queue, to look at jobs as BullMQ stores them. */
export function expiryQueue(t: TestApp): Queue {
  return t.app.get<Queue>(getQueueToken(HOLD_EXPIRY_QUEUE), { strict: false });
}

/** The BullMQ job id of a hold placed through this app (its database's identity, the hold's expiry). */
export function jobIdOf(t: TestApp, hold: { id: number; expiresAt: number }): string {
  return holdJobId(t.app.get(DatabaseIdentity).id, { id: hold.id, holdExpiresAt: new Date(hold.expiresAt) });
}

/** What recordReleases has seen so far, and how to wait for more. */
export interface ReleaseRecorder {
  ids: number[];
  sources: Map<number, string>;
  /**
   * Resolves once every one of `ids` is recorded. A release commits, then invalidates the
   * cache, publishes and logs before it returns and is recorded: a test that saw the rows (or
   * the stock) change must wait for this before it looks at ids or sources. Bounded, only so a
   * release that never comes fails the test's own assertions instead of hanging it.
   */
  settled(ids: number[]): Promise<void>;
  restore: () => void;
}

/** How long `settled` waits for a release that has committed to be recorded: far beyond any load seen. */
const RECORDED_WITHIN_MS = 15_000;

/**
 * Records every hold id that HoldReleasesService reports as released, by any app in this
 * process and by either path (job or sweeper). A hold released twice would appear twice.
 */
export function recordReleases(): ReleaseRecorder {
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
  const settled = async (wanted: number[]): Promise<void> => {
    await pollUntil(
      () => (wanted.every((id) => sources.has(id)) ? true : undefined),
      Date.now() + RECORDED_WITHIN_MS,
      10,
    );
  };
  return { ids, sources, settled, restore: () => spy.mockRestore() };
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

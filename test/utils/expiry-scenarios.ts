import { In } from 'typeorm';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import type { Hold } from '../../src/holds/hold.entity';
import { HoldReleasesService, ReleaseSource } from '../../src/holds/hold-releases.service';
import { Order } from '../../src/orders/order.entity';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import { betweenUnits } from './embedded';
import { duplicates, holdsById, PlacedHold, placeHold, stockOf } from './expiry';
import { pollUntil, sleep } from './poll';
import type { TestApp } from './test-app';

/**
 * The expiry races every mode must win, with the mode's own release paths plugged in.
 * Database reads go through betweenUnits, so the scenarios run on SQLite and MariaDB alike.
 * Each scenario returns what its shared `expect…` function checks; a spec adds its
 * mode-specific assertions in its own `it(...)`.
 */

/** How a mode releases expired holds, for a scenario to race. */
export interface ReleasePaths {
  /** One hold's release as the mode makes it: its delayed job's, or the sweeper's. */
  releaseOne(holdId: number): Promise<unknown>;
  /** One sweeper run. */
  sweep(): Promise<unknown>;
  /** The mode's bound on how long after hold_expires_at a hold is released. */
  withinMs: number;
}

/**
 * `t`'s release paths: a release of one hold as `source` makes it (a job, or the sweeper),
 * and a sweeper run; `withinMs` is the mode's bound.
 */
export function releasePaths(t: TestApp, source: ReleaseSource, withinMs: number): ReleasePaths {
  return {
    releaseOne: async (holdId) =>
      (await t.app.get(HoldReleasesService).release([holdId], source)).released[0] ?? null,
    sweep: () => t.app.get(ExpiredHoldsSweeper).run(),
    withinMs,
  };
}

/** The books after `expireTogether`. */
export interface TogetherOutcome {
  ids: number[];
  rows: Hold[];
  stock: number;
}

/**
 * 40 holds of 1-3 units on a 200-unit product expire together. At the first expiry instant
 * a release per hold and two sweeper runs start at once (racing the mode's own paths); then
 * waits until every hold is released, or `withinMs` after the last expiry.
 */
export async function expireTogether(t: TestApp, paths: ReleasePaths): Promise<TogetherOutcome> {
  const product = await betweenUnits(t, (dataSource) =>
    createProduct(dataSource, { totalStock: 200, availableStock: 200 }),
  );
  // A hold that stays active: a unit returned twice would push the stock above 193,
  // where the total_stock guard would not catch it.
  await betweenUnits(t, (dataSource) => insertHold(dataSource, { productId: product.id, quantity: 7 }));
  const holds = await Promise.all(
    Array.from({ length: 40 }, (_, i) => placeHold(t, product.id, 1 + (i % 3))),
  );
  const ids = holds.map((hold) => hold.id);
  const lastExpiry = Math.max(...holds.map((hold) => hold.expiresAt));

  await sleep(Math.min(...holds.map((hold) => hold.expiresAt)) - Date.now());
  const direct = ids.map((id) => paths.releaseOne(id));
  await Promise.all([paths.sweep(), ...direct, paths.sweep()]);
  await pollUntil(async () => {
    const rows = await holdsById(t, ids);
    return rows.every((row) => row.releasedAt) ? true : undefined;
  }, lastExpiry + paths.withinMs);

  const stock = await stockOf(t, product.id);
  return { ids, rows: await holdsById(t, ids), stock };
}

/** Every hold of `expireTogether` released, none twice, and the stock exact. */
export function expectReleasedOnceEach({ ids, rows, stock }: TogetherOutcome, releasedIds: number[]): void {
  expect(stock).toBe(193);
  expect(rows.filter((row) => row.releasedAt && !row.usedAt)).toHaveLength(40);
  expect(duplicates(releasedIds)).toEqual([]);
  expect([...releasedIds].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
}

/**
 * Half the window the order trials spread over. On this machine an order sent 300 ms before
 * its hold's expiry was seen to reach its transaction only after it (cause not found yet, see
 * the closing note of 2026-11-30; 18dfce5 shows it too), so with +-60 ms no trial could win and
 * the race proved nothing. +-1000 ms keeps trials every 40 ms across the boundary while some
 * start clearly before it.
 */
const RACE_SPREAD_MS = 1000;

/** The books after `orderRacesExpiry`. */
export interface RaceOutcome {
  holds: PlacedHold[];
  /** The order's HTTP status, per hold. */
  orderStatuses: number[];
  rows: Hold[];
  /** Orders stored for these holds. */
  orders: number;
  stock: number;
}

/**
 * 50 holds of 1-4 units on a 500-unit product. Trials spread evenly from RACE_SPREAD_MS before
 * to RACE_SPREAD_MS after each hold's expiry; in each, the order, a release of the hold and a sweeper
 * run start together. Then waits until every hold is used or released (holds that did not
 * become orders are released by the mode's own path), or `withinMs` after the last expiry.
 */
export async function orderRacesExpiry(t: TestApp, paths: ReleasePaths): Promise<RaceOutcome> {
  const product = await betweenUnits(t, (dataSource) =>
    createProduct(dataSource, { totalStock: 500, availableStock: 500 }),
  );
  const holds = await Promise.all(
    Array.from({ length: 50 }, (_, i) => placeHold(t, product.id, 1 + (i % 4))),
  );

  const orderStatuses = await Promise.all(
    holds.map(async (hold, i) => {
      await sleep(
        hold.expiresAt - RACE_SPREAD_MS + (2 * RACE_SPREAD_MS * i) / (holds.length - 1) - Date.now(),
      );
      const [order] = await Promise.all([
        t.http.post('/api/orders').send({ hold_id: hold.id }),
        paths.releaseOne(hold.id),
        paths.sweep(),
      ]);
      return order.status;
    }),
  );
  const ids = holds.map((hold) => hold.id);
  const rows =
    (await pollUntil(
      async () => {
        const current = await holdsById(t, ids);
        return current.every((row) => row.usedAt || row.releasedAt) ? current : undefined;
      },
      Math.max(...holds.map((hold) => hold.expiresAt)) + paths.withinMs,
    )) ?? (await holdsById(t, ids));

  const orders = await betweenUnits(t, (dataSource) =>
    dataSource.getRepository(Order).countBy({ holdId: In(ids) }),
  );
  return { holds, orderStatuses, rows, orders, stock: await stockOf(t, product.id) };
}

/**
 * Every hold of `orderRacesExpiry` used or released, never both; both outcomes happened (so
 * the trials really straddled the boundary); 201 exactly for the holds that became orders;
 * one order per used hold; no hold released twice; the stock exact.
 */
export function expectUsedOrReleased(
  { holds, orderStatuses, rows, orders, stock }: RaceOutcome,
  releasedIds: number[],
): void {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const used = holds.filter((hold) => byId.get(hold.id)!.usedAt);
  const released = holds.filter((hold) => byId.get(hold.id)!.releasedAt);
  expect(rows.filter((row) => row.usedAt && row.releasedAt)).toEqual([]);
  expect(used.length + released.length).toBe(50);
  expect(used.length).toBeGreaterThan(0);
  expect(released.length).toBeGreaterThan(0);
  holds.forEach((hold, i) =>
    expect([hold.id, orderStatuses[i]]).toEqual([hold.id, byId.get(hold.id)!.usedAt ? 201 : 409]),
  );
  expect(orders).toBe(used.length);
  const usedUnits = used.reduce((sum, hold) => sum + hold.quantity, 0);
  expect(stock).toBe(500 - usedUnits);
  expect(duplicates(releasedIds)).toEqual([]);
}

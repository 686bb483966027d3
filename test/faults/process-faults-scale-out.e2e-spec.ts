import type { DataSource } from 'typeorm';
import { auditStock } from '../../src/database/stock-audit';
import { createProduct } from '../factories/product.factory';
import { ChildRun, runEntry, stop } from '../utils/embedded';
import { pollUntil } from '../utils/poll';
import {
  Answer,
  cleanUp,
  createdBodies,
  logEvents,
  outputComplete,
  openDatabase,
  postHold,
  scaleOutEnv,
  startApi,
  sumCreated,
  tally,
} from '../utils/scale-out';
import { uniqueDatabaseName } from '../utils/test-env';

interface HoldRow {
  id: number;
  quantity: number;
  created_at: Date;
  released_at: Date | null;
  hold_expires_at: Date;
}

/**
 * The scale-out deployment as real processes: two API processes (WORKER_ENABLED=false) and
 * one worker process (`src/worker.ts`) on one database and one Redis. Unlike
 * processes/expiry-processes.e2e-spec.ts (app instances inside Jest, one hold at a time), the holds
 * here race for scarce stock through both APIs, and the releases are counted from the
 * three processes' own logs.
 */
describe('Two API processes and a worker process under a burst (e2e, real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  let db: DataSource | undefined;

  afterAll(async () => {
    await cleanUp(databaseName, runs, db);
  });

  it('should never oversell across two API processes, and release every hold exactly once', async () => {
    const env = (extra: Record<string, string>) =>
      scaleOutEnv(databaseName, { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '1', ...extra });
    // All three start together; the startup lock lets one of them create the schema.
    const worker = runEntry('worker', env({}));
    runs.push(worker);
    const apis = await Promise.all([1, 2].map(() => startApi(env({ WORKER_ENABLED: 'false' }))));
    runs.push(...apis.map((api) => api.run));
    const started = await pollUntil(
      () => (worker.output().includes('"event":"worker.started"') ? true : undefined),
      Date.now() + 90_000,
      200,
    );
    expect(started).toBe(true);
    db = await openDatabase(databaseName);
    const stock = 60;
    const product = await createProduct(db, { totalStock: stock, availableStock: stock });

    // About 400 units asked for 60, alternating between the two APIs.
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => postHold(apis[i % 2].base, product.id, 1 + (i % 3)).answer),
    );

    const counts = tally(answers);
    expect(Object.keys(counts).sort()).toEqual(['201', '409']);
    const holds = await loadHolds(db, product.id);
    // Every 201 is exactly one hold, with the units it announced; nothing else was taken.
    expect(holds.map((hold) => hold.id).sort(byNumber)).toEqual(createdHoldIds(answers).sort(byNumber));
    expect(sum(holds.map((hold) => hold.quantity))).toBe(sumCreated(answers));
    // Holds expire after 2 s, so a slow burst may see stock come back and be held again:
    // what must hold is that at no instant were more units held than the stock.
    const peak = peakUnitsHeld(holds);
    expect(peak).toBeLessThanOrEqual(stock);
    // Demand exceeds stock, so it was taken all but a remainder smaller than one request (1-3 units).
    expect(peak).toBeGreaterThan(stock - 3);

    // The worker releases every hold (its job or its sweeper); the APIs release nothing.
    const released = await pollUntil(
      async () => {
        const rows = await loadHolds(db!, product.id);
        return rows.every((row) => row.released_at) ? rows : undefined;
      },
      Math.max(...holds.map((hold) => new Date(hold.hold_expires_at).getTime())) + 60_000,
      200,
    );
    expect(released).toHaveLength(holds.length);
    const [row] = await db.query('SELECT available_stock FROM products WHERE id = ?', [product.id]);
    expect(Number(row.available_stock)).toBe(stock);
    expect((await auditStock(db)).map((audit) => audit.difference)).toEqual([0]);

    // Once each: one hold.released line per hold across all three processes' logs (read to
    // the end: a line can reach us after its commit does).
    await Promise.all(runs.map((run) => stop(run)));
    await Promise.all(runs.map(outputComplete));
    // Each stopped on SIGTERM by itself (stop() would have sent SIGKILL after 10 s) and exited 0.
    for (const run of runs) expect(await run.exited).toEqual({ code: 0, signal: null });
    for (const api of apis) expect(logEvents(api.run.output(), 'hold.released')).toEqual([]);
    const releasedIds = logEvents(worker.output(), 'hold.released').map((event) => Number(event.hold_id));
    expect(releasedIds.sort(byNumber)).toEqual(holds.map((hold) => hold.id).sort(byNumber));
    const [{ orders }] = await db.query('SELECT COUNT(*) AS orders FROM orders');
    expect(Number(orders)).toBe(0);
  });
});

function loadHolds(dataSource: DataSource, productId: number): Promise<HoldRow[]> {
  return dataSource.query(
    `SELECT id, quantity, created_at, released_at, hold_expires_at FROM holds
      WHERE product_id = ? ORDER BY id`,
    [productId],
  );
}

/**
 * The most units held at any instant, from the holds' created_at and released_at (both taken
 * under the product's row lock). At the same millisecond a release counts first: the stock it
 * returned is what a hold created then could take.
 */
function peakUnitsHeld(holds: HoldRow[]): number {
  const events = holds.flatMap((hold) => [
    { at: new Date(hold.created_at).getTime(), delta: hold.quantity },
    ...(hold.released_at ? [{ at: new Date(hold.released_at).getTime(), delta: -hold.quantity }] : []),
  ]);
  events.sort((x, y) => x.at - y.at || x.delta - y.delta);
  let held = 0;
  let peak = 0;
  for (const event of events) {
    held += event.delta;
    peak = Math.max(peak, held);
  }
  return peak;
}

function createdHoldIds(answers: Answer[]): number[] {
  return createdBodies(answers).map((data) => data.hold_id);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function byNumber(x: number, y: number): number {
  return x - y;
}

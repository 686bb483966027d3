import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { HoldsRepository } from '../../src/holds/holds.repository';
import { insertHold } from '../factories/hold.factory';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { duplicates, expiryQueue, loadHolds, placeHold, recordReleases } from '../utils/expiry';
import { pollUntil, sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';
import { createTestApp, TestApp } from '../utils/test-app';
import { dropDatabase, withServerConnection } from '../utils/test-env';

/** Several processes over one database and one Redis, restarts and shutdown. */
describe('Hold expiry across processes (e2e)', () => {
  let releases: ReturnType<typeof recordReleases>;

  beforeEach(() => {
    releases = recordReleases();
  });

  afterEach(() => {
    releases.restore();
  });

  function allReleased(t: TestApp, ids: number[], deadline: number) {
    return pollUntil(async () => {
      const rows = await loadHolds(t.dataSource, ids);
      return rows.every((row) => row.releasedAt) ? rows : undefined;
    }, deadline);
  }

  it('should release each hold once when two app instances share the database and Redis', async () => {
    const settings = { HOLD_TTL_SECONDS: '2', HOLD_SWEEP_INTERVAL_SECONDS: '1', WORKER_ENABLED: 'true' };
    const a = await createTestApp(settings);
    const b = await createTestApp({ ...settings, DB_DATABASE: a.databaseName, REDIS_PREFIX: a.databaseName });
    try {
      const product = await createProduct(a.dataSource, { totalStock: 300, availableStock: 300 });
      await insertHold(a.dataSource, { productId: product.id, quantity: 5 });
      const holds = await Promise.all(
        Array.from({ length: 30 }, (_, i) => placeHold(i % 2 === 0 ? a : b, product.id, 1 + (i % 3))),
      );
      const ids = holds.map((hold) => hold.id);

      // Both workers compete for the jobs and both sweepers (every second) race them;
      // at the expiry instant both sweepers also run at once.
      await sleep(Math.min(...holds.map((hold) => hold.expiresAt)) - Date.now());
      await Promise.all([a.app.get(ExpiredHoldsSweeper).run(), b.app.get(ExpiredHoldsSweeper).run()]);
      const rows = await allReleased(a, ids, Math.max(...holds.map((hold) => hold.expiresAt)) + 1000);
      // hold.released is logged just after the release commits: the rows can be read first.
      await releases.settled(ids);

      expect(rows?.filter((row) => !row.usedAt)).toHaveLength(30);
      expect(duplicates(releases.ids)).toEqual([]);
      expect([...releases.ids].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
      expect((await reloadProduct(a.dataSource, product.id)).availableStock).toBe(295);
    } finally {
      await b.close({ keepDatabase: true });
      await a.close();
    }
  });

  it('should release at start the holds that expired while no process was running', async () => {
    const before = await createTestApp({
      HOLD_TTL_SECONDS: '1',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_ENABLED: 'false',
    });
    const product = await createProduct(before.dataSource, { totalStock: 20, availableStock: 20 });
    const holds = [await placeHold(before, product.id, 2), await placeHold(before, product.id, 3)];
    // The jobs are lost with the downtime (say Redis lost its data), so only the sweeper can release them.
    await expiryQueue(before).obliterate({ force: true });
    await before.close({ keepDatabase: true });
    await sleep(Math.max(...holds.map((hold) => hold.expiresAt)) - Date.now() + 100);

    const after = await createTestApp({
      DB_DATABASE: before.databaseName,
      REDIS_PREFIX: before.databaseName,
      HOLD_TTL_SECONDS: '1',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_ENABLED: 'true',
    });
    try {
      const rows = await allReleased(
        after,
        holds.map((hold) => hold.id),
        Date.now() + 2000,
      );

      expect(rows).toHaveLength(2);
      await releases.settled(holds.map((hold) => hold.id));
      expect(holds.map((hold) => releases.sources.get(hold.id))).toEqual(['sweeper', 'sweeper']);
      expect((await reloadProduct(after.dataSource, product.id)).availableStock).toBe(20);
    } finally {
      await after.close();
    }
  });

  it('should finish the job in hand before closing the database pools on shutdown', async () => {
    const t = await createTestApp({
      HOLD_TTL_SECONDS: '1',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_ENABLED: 'true',
    });
    let started!: () => void;
    const jobStarted = new Promise<void>((resolve) => (started = resolve));
    const lockForRelease = HoldsRepository.prototype.lockForRelease;
    // A slow job (the one release in this test: the sweeper runs at start only, with nothing
    // due): it is in hand when shutdown begins and needs the database afterwards.
    const slow = jest.spyOn(HoldsRepository.prototype, 'lockForRelease').mockImplementation(async function (
      this: HoldsRepository,
      ...args: Parameters<HoldsRepository['lockForRelease']>
    ) {
      started();
      await sleep(500);
      return lockForRelease.apply(this, args);
    });
    try {
      const product = await createProduct(t.dataSource, { totalStock: 5, availableStock: 5 });
      const hold = await placeHold(t, product.id, 5);
      await jobStarted;

      await t.close({ keepDatabase: true });

      // Committed before the pools closed: read back through a connection of our own.
      const [rows] = await withServerConnection((connection) =>
        connection.query(
          `SELECT released_at FROM ${connection.escapeId(t.databaseName)}.holds WHERE id = ?`,
          [hold.id],
        ),
      );
      expect((rows as Array<{ released_at: Date | null }>)[0].released_at).not.toBeNull();
      expect(releases.ids).toEqual([hold.id]);
    } finally {
      slow.mockRestore();
      await deleteRedisKeys(Number(process.env.REDIS_PORT || 6379), `${t.databaseName}:*`);
      await dropDatabase(t.databaseName);
    }
  });
  it('should release holds on time from a separate worker process (npm run start:worker), and stop on SIGTERM', async () => {
    const api = await createTestApp({
      HOLD_TTL_SECONDS: '2',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      WORKER_ENABLED: 'false',
    });
    expect(() => api.app.get(ExpiredHoldsSweeper)).toThrow();
    let worker: ChildProcess | undefined;
    try {
      worker = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join('src', 'worker.ts')], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, DB_DATABASE: api.databaseName, REDIS_PREFIX: api.databaseName },
        stdio: 'ignore',
      });
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      worker.once('exit', (code, signal) => (exit = { code, signal }));
      const ready = await pollUntil(
        async () => ((await expiryQueue(api).getWorkers()).length > 0 ? true : undefined),
        Date.now() + 30_000,
        200,
      );
      expect(ready).toBe(true);

      const product = await createProduct(api.dataSource, { totalStock: 8, availableStock: 8 });
      const hold = await placeHold(api, product.id, 8);
      const stock = await pollUntil(async () => {
        const { availableStock } = await reloadProduct(api.dataSource, product.id);
        return availableStock === 8 ? availableStock : undefined;
      }, hold.expiresAt + 1000);
      expect(stock).toBe(8);

      worker.kill('SIGTERM');
      // Nest closes the app (worker, sweeper, pools), then exits 0 with its logs written.
      expect(await pollUntil(() => exit, Date.now() + 10_000)).toEqual({ code: 0, signal: null });
    } finally {
      if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await api.close();
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createProduct } from '../factories/product.factory';
import { cleanEnv, ROOT, track } from '../utils/embedded';
import { uniqueDatabaseName } from '../utils/test-env';
import {
  dropClusterDatabase,
  GaleraNode,
  lockClusterSpecs,
  nodeDatabaseEnv,
  openNode,
  SPEC_LOCK_WAIT_MS,
  unlockClusterSpecs,
} from './cluster-env';

/**
 * `npm run db:reset` (the built script, as operators run it) on the Galera cluster. It takes
 * the cluster-wide lock (a lease row in `startup_locks`: GET_LOCK is node-local) around the
 * drop, migrate and seed; it used to drop that table with the rest and then fail releasing
 * its lease ("Table '...startup_locks' doesn't exist").
 */
describe('db:reset on a Galera cluster (built script)', () => {
  const databaseName = uniqueDatabaseName();
  let node2: DataSource | undefined;

  beforeAll(async () => {
    await lockClusterSpecs();
  }, SPEC_LOCK_WAIT_MS);

  afterAll(async () => {
    try {
      await node2?.destroy();
      await dropClusterDatabase(databaseName);
    } finally {
      unlockClusterSpecs();
    }
  }, 60_000);

  it('should reset and seed through one node, release its lease, and reset again through another', async () => {
    const first = await resetThrough(1);
    expect(first).toEqual({
      code: 0,
      output: expect.stringContaining(`Database '${databaseName}' reset and seeded.`),
    });

    node2 = await openNode(databaseName, 2);
    await createProduct(node2, { name: 'extra' });
    expect(await productNames(node2)).toHaveLength(2);

    const second = await resetThrough(3);
    expect(second).toEqual({
      code: 0,
      output: expect.stringContaining(`Database '${databaseName}' reset and seeded.`),
    });

    // Dropped and seeded again (one sample product), and no lease left behind for the next start.
    expect(await productNames(node2)).toHaveLength(1);
    const leases = await causal<Array<{ name: string }>>(node2, 'SELECT name FROM startup_locks');
    expect(leases).toEqual([]);
  }, 240_000);

  async function productNames(db: DataSource): Promise<string[]> {
    const rows = await causal<Array<{ name: string }>>(db, 'SELECT name FROM products ORDER BY id');
    return rows.map((row) => row.name);
  }

  /** A read that waits until the node has applied every commit acknowledged before it. */
  function causal<T>(db: DataSource, sql: string): Promise<T> {
    return db.query<T>(`SET STATEMENT wsrep_sync_wait = 1 FOR ${sql}`);
  }

  /** `node dist/cli/reset-database.js` against one node, from a scratch folder (no .env leaks in). */
  async function resetThrough(node: GaleraNode): Promise<{ code: number | null; output: string }> {
    const cwd = mkdtempSync(join(tmpdir(), 'flash-sale-cwd-'));
    try {
      const run = track(
        spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'reset-database.js')], {
          cwd,
          env: cleanEnv(nodeDatabaseEnv(databaseName, node)),
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      const { code } = await run.exited;
      return { code, output: run.output() };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }
});

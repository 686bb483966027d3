import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import type { DataSource } from 'typeorm';
import { createProduct } from '../factories/product.factory';
import { ChildRun, cleanEnv, ROOT, stop, track } from '../utils/embedded';
import { ApiProcess, cleanUp, databaseEnv, openDatabase, postHold, send } from '../utils/scale-out';
import { uniqueDatabaseName } from '../utils/test-env';
import {
  CLUSTER_WEBHOOK_SECRET,
  lockClusterSpecs,
  REDIS_CLUSTER_NODES,
  redisCluster,
  SPEC_LOCK_WAIT_MS,
  startBuiltApi,
  unlockClusterSpecs,
} from './cluster-env';

/** Products read (and so cached) per test: their keys' hash tags spread them over the three masters. */
const PRODUCTS = 12;

/**
 * `npm run cache:clear` and `npm run db:reset` (the built scripts, as operators run them) on a
 * Redis Cluster: a SCAN sees one node's keys only, so they must visit every master, and delete
 * only the app's namespace (`<prefix>:*` and the hash-tagged `{<prefix>:*`), nothing outside it.
 */
describe('db:reset and cache:clear on a Redis Cluster (built scripts)', () => {
  const databaseName = uniqueDatabaseName();
  const env = cleanEnv({
    ...databaseEnv(databaseName),
    REDIS_CLUSTER_NODES,
    REDIS_PREFIX: databaseName,
    // Counted, so the rate-limit store writes its keys too.
    RATE_LIMIT_PER_MINUTE: '100000',
    SEED_ON_START: 'false',
    PAYMENT_WEBHOOK_SECRET: CLUSTER_WEBHOOK_SECRET,
  });
  /** Another deployment's keys, on every master: names that start like ours but are not under our prefix. */
  const foreign = Array.from({ length: 15 }, (_, n) => [
    `${databaseName}_other:cache::product:{${n}}:gen`,
    `{${databaseName}_other:${n}}:hold-expiry:id`,
    `other:{${n}}:${databaseName}:cache::x`,
  ]).flat();
  const runs: ChildRun[] = [];
  let api: ApiProcess;
  let db: DataSource;
  let cluster: Cluster;

  beforeAll(async () => {
    await lockClusterSpecs();
    cluster = redisCluster();
    api = await startBuiltApi(env);
    runs.push(api.run);
    db = await openDatabase(databaseName);
    for (const key of foreign) await cluster.set(key, '1');
  }, SPEC_LOCK_WAIT_MS + 180_000);

  afterAll(async () => {
    try {
      await Promise.all(foreign.map((key) => cluster.del(key)));
      cluster.disconnect();
      await cleanUp(databaseName, runs, db);
    } finally {
      unlockClusterSpecs();
    }
  }, 60_000);

  /** Product reads (cached on their slots' masters), a hold (its delayed job) and rate-limit counters. */
  async function writeAppKeys(): Promise<void> {
    for (let i = 0; i < PRODUCTS; i++) {
      const product = await createProduct(db, { totalStock: 10, availableStock: 10 });
      for (const _read of [1, 2]) {
        const read = await send(`${api.base}/products/${product.id}`, 'GET').answer;
        expect('status' in read && read.status).toBe(200);
      }
      if (i === 0) {
        const hold = await postHold(api.base, product.id, 1).answer;
        expect('status' in hold && hold.status).toBe(201);
      }
    }
  }

  it('should drop the product cache on every master (cache:clear), and keep the queue, counters and foreign keys', async () => {
    await writeAppKeys();
    const cacheBefore = await keysPerMaster(`${databaseName}:cache::*`);
    // The cache lives on every master: a one-node SCAN would leave two thirds of it.
    expect(cacheBefore.every((keys) => keys.length > 0)).toBe(true);
    const taggedBefore = (await keysPerMaster(`{${databaseName}:*`)).flat();
    expect(taggedBefore.some((key) => key.includes(':hold-expiry:'))).toBe(true);
    expect(taggedBefore.some((key) => key.includes(':rate-limit:'))).toBe(true);

    const clear = await runScript('cache-clear');
    expect(clear.code).toBe(0);
    expect(clear.output).toContain(`(${cacheBefore.flat().length} keys)`);

    expect((await keysPerMaster(`${databaseName}:cache::*`)).flat()).toEqual([]);
    expect((await keysPerMaster(`{${databaseName}:*`)).flat().sort()).toEqual(taggedBefore.sort());
    expect(await existing(foreign)).toBe(foreign.length);
  });

  it("should delete the app's whole namespace on every master (db:reset), and nothing outside it", async () => {
    await writeAppKeys();
    const before = await keysPerMaster(`${databaseName}:*`, `{${databaseName}:*`);
    expect(before.every((keys) => keys.length > 0)).toBe(true);
    // Nothing writes while the database is reset.
    await stop(api.run);

    const reset = await runScript('reset-database');
    expect(reset.code).toBe(0);
    expect(reset.output).toContain(`Redis keys under '${databaseName}:' cleared.`);

    expect((await keysPerMaster(`${databaseName}:*`, `{${databaseName}:*`)).flat()).toEqual([]);
    expect(await existing(foreign)).toBe(foreign.length);
  }, 120_000);

  /** How many of `keys` exist (one EXISTS each: they hash to different slots). */
  async function existing(keys: string[]): Promise<number> {
    const found = await Promise.all(keys.map((key) => cluster.exists(key)));
    return found.reduce((total, one) => total + one, 0);
  }

  /** The keys matching any of `patterns`, per master (each master scanned on its own). */
  async function keysPerMaster(...patterns: string[]): Promise<string[][]> {
    const masters = cluster.nodes('master');
    expect(masters).toHaveLength(3);
    return Promise.all(
      masters.map(async (node) => {
        const keys: string[] = [];
        for (const pattern of patterns) {
          let cursor = '0';
          do {
            const [next, page] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            keys.push(...page);
            cursor = next;
          } while (cursor !== '0');
        }
        return keys;
      }),
    );
  }

  /** `node dist/cli/<script>.js`, as `npm run cache:clear` / `npm run db:reset` run it. */
  async function runScript(
    script: 'cache-clear' | 'reset-database',
  ): Promise<{ code: number | null; output: string }> {
    // From a scratch folder: a developer's .env in the project must not leak in.
    const cwd = mkdtempSync(join(tmpdir(), 'flash-sale-cwd-'));
    try {
      const run = track(
        spawn(process.execPath, [join(ROOT, 'dist', 'cli', `${script}.js`)], {
          cwd,
          env,
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

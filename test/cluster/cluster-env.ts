import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ChildRun, cleanEnv, ROOT, sparePort, track, waitForAnswer } from '../utils/embedded';
import type { ApiProcess } from '../utils/scale-out';

const run = promisify(execFile);

/** The clusters scripts/galera-cluster.sh and scripts/redis-cluster.sh start (see their headers). */
export const GALERA_NODES = [1, 2, 3] as const;
export type GaleraNode = (typeof GALERA_NODES)[number];
export const REDIS_CLUSTER_PORTS = [7001, 7002, 7003];
export const REDIS_CLUSTER_NODES = REDIS_CLUSTER_PORTS.map((port) => `127.0.0.1:${port}`).join(',');
export const CLUSTER_WEBHOOK_SECRET = 'whsec_cluster_tests';

export function galeraPort(node: GaleraNode): number {
  return 3310 + node;
}

export async function galeraScript(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(ROOT, 'scripts', 'galera-cluster.sh'), ...args], {
    timeout: 240_000,
  });
  return stdout;
}

export async function redisClusterScript(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(ROOT, 'scripts', 'redis-cluster.sh'), ...args], {
    timeout: 60_000,
  });
  return stdout;
}

/**
 * `node dist/<entry>.js` as its own process, as production runs it (globalSetup built it).
 * Not ts-node: four processes compiling TypeScript at once on a busy 2-core machine starve
 * their own event loops long enough for a 2 s connect timeout to fire spuriously.
 */
export function runBuilt(entry: 'main' | 'worker', env: Record<string, string>): ChildRun {
  const cwd = mkdtempSync(join(tmpdir(), 'flash-sale-cwd-'));
  const child = spawn(process.execPath, [join(ROOT, 'dist', `${entry}.js`)], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(cwd, { recursive: true, force: true }));
  return track(child);
}

/** A built API process; resolves once it serves. */
export async function startBuiltApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await sparePort();
  const run = runBuilt('main', { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}/api`;
  await waitForAnswer(`${base}/products?per_page=1`, run, Date.now() + 120_000);
  return { run, base, port };
}

/** What `npm run audit:stock` needs to read one node. */
export function nodeDatabaseEnv(databaseName: string, node: GaleraNode): Record<string, string> {
  return {
    DB_TYPE: 'mariadb',
    DB_HOST: '127.0.0.1',
    DB_PORT: String(galeraPort(node)),
    DB_USERNAME: 'root',
    DB_PASSWORD: '',
    DB_DATABASE: databaseName,
  };
}

/** An API or worker process on Galera node `node` and the Redis Cluster, as an operator would start it. */
export function clusterEnv(
  databaseName: string,
  node: GaleraNode,
  extra: Record<string, string> = {},
): Record<string, string> {
  return cleanEnv({
    ...nodeDatabaseEnv(databaseName, node),
    REDIS_CLUSTER_NODES,
    REDIS_PREFIX: databaseName,
    RATE_LIMIT_PER_MINUTE: '0',
    SEED_ON_START: 'false',
    PAYMENT_WEBHOOK_SECRET: CLUSTER_WEBHOOK_SECRET,
    ...extra,
  });
}

/** The test's own connection to one node (no causal reads: the test waits for what it needs). */
export function openNode(databaseName: string, node: GaleraNode): Promise<DataSource> {
  return new DataSource(
    buildDataSourceOptions({
      type: 'mariadb',
      host: '127.0.0.1',
      port: galeraPort(node),
      username: 'root',
      password: '',
      database: databaseName,
      poolSize: 4,
      sqlitePath: '',
      galera: true,
    }),
  ).initialize();
}

/** `npm run audit:stock` against one node. */
export async function runStockAuditOn(
  databaseName: string,
  node: GaleraNode,
): Promise<{ code: number | null; output: string }> {
  const audit = track(
    spawn('npm', ['run', '--silent', 'audit:stock'], {
      cwd: ROOT,
      env: cleanEnv(nodeDatabaseEnv(databaseName, node)),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const { code } = await audit.exited;
  return { code, output: audit.output() };
}

export function redisCluster(): Cluster {
  return new Cluster(
    REDIS_CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })),
    {
      redisOptions: { maxRetriesPerRequest: 1 },
    },
  );
}

const SPEC_LOCK = join(tmpdir(), 'flash-sale-cluster-specs.lock');
/** A lock folder without its holder's pid after this long was left by a process that died in between. */
const HALF_MADE_LOCK_MS = 10_000;
/** Long enough to wait for another cluster spec file to finish. */
export const SPEC_LOCK_WAIT_MS = 900_000;

/**
 * One cluster spec file at a time. The specs stop Redis masters and kill Galera nodes, which
 * would break another spec using the same clusters at that moment: Jest runs spec files in
 * parallel workers on machines with more than two cores. Taken at the start of a spec's
 * beforeAll, given back at the end of its afterAll; a lock whose holder process is gone is
 * taken over.
 */
export async function lockClusterSpecs(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(SPEC_LOCK);
      writeFileSync(join(SPEC_LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockIsStale()) rmSync(SPEC_LOCK, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export function unlockClusterSpecs(): void {
  if (lockHolder() === process.pid) rmSync(SPEC_LOCK, { recursive: true, force: true });
}

function lockHolder(): number | undefined {
  try {
    return Number(readFileSync(join(SPEC_LOCK, 'pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

function lockIsStale(): boolean {
  const holder = lockHolder();
  if (holder === undefined) {
    try {
      return Date.now() - statSync(SPEC_LOCK).mtimeMs > HALF_MADE_LOCK_MS;
    } catch {
      return false; // Gone meanwhile: the next mkdir takes it.
    }
  }
  // This very process (a spec whose afterAll never ran) or a dead one.
  if (holder === process.pid) return true;
  try {
    process.kill(holder, 0);
    return false;
  } catch {
    return true;
  }
}

/** The port of the master serving `key`'s slot. */
export async function masterPortOf(key: string): Promise<number> {
  const probe = new Redis({ port: REDIS_CLUSTER_PORTS[0], host: '127.0.0.1', lazyConnect: true });
  try {
    await probe.connect();
    const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await probe.call('CLUSTER', 'SLOTS')) as Array<
      [number, number, [string, number, ...unknown[]]]
    >;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`No master serves slot ${slot}`);
    return Number(range[2][1]);
  } finally {
    probe.disconnect();
  }
}

/** Drops the test database through a node (DDL replicates to every node). */
export async function dropClusterDatabase(databaseName: string): Promise<void> {
  await run('mariadb', [
    '--no-defaults',
    '-h127.0.0.1',
    `-P${galeraPort(1)}`,
    '-uroot',
    '-e',
    `DROP DATABASE IF EXISTS \`${databaseName}\``,
  ]);
}

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { AppProcess, startApp } from '../lib/app-process';
import { dropDatabase, recreateDatabase } from '../lib/database';
import { load, LoadResult, settle } from '../lib/http-load';
import { deleteKeysWithPrefix } from '../lib/redis';
import { sparePort } from '../../test/utils/ports';

const ROOT = join(__dirname, '..', '..');
const GALERA_PORTS = [3311, 3312, 3313];
const REDIS_CLUSTER_NODES = '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003';

export interface ClusterRun {
  label: string;
  processes: number;
  holdsPerSecond: number;
  p50: number;
  /** The worst of the processes' p99. */
  p99: number;
  errors: number;
  non2xx: number;
  /** Transactions run again (deadlocks, Galera certification failures) per 100 holds created. */
  retriesPer100Holds: number;
  unitsTaken: number;
  unitsInStoredHolds: number;
}

/**
 * `npm run bench -- --cluster` (not in CI): the hot-product scenario (one product, quantity 1,
 * 64 connections) three ways, same run, same machine:
 * 1. one API process on the single MariaDB server (:3306) and Redis (:6379), the reference;
 * 2. one API process on Galera node 1 with the Redis Cluster (what replication itself costs);
 * 3. three API processes, one per Galera node, the load split between them (what multi-primary
 *    writes to one hot row cost: certification conflicts, retried).
 * Starts both clusters with the scripts if they are not running, and stops them again after.
 */
export async function clusterBench(
  profile: { hotSeconds: number; warmupSeconds: number },
  connections: number,
) {
  const startedHere =
    !clusterScript('galera-cluster.sh', 'status') || !clusterScript('redis-cluster.sh', 'status');
  if (startedHere) {
    console.log('Starting the Galera cluster and the Redis Cluster (scripts/*-cluster.sh start)...');
    if (!clusterScript('galera-cluster.sh', 'start') || !clusterScript('redis-cluster.sh', 'start')) {
      throw new Error('Could not start the clusters; run the scripts by hand to see why');
    }
  }
  const database = `flash_sale_bench_cluster_${process.pid}`;
  const settings = {
    SEED_ON_START: 'false',
    HOLD_TTL_SECONDS: '3600',
    RATE_LIMIT_PER_MINUTE: '0',
    PAYMENT_WEBHOOK_SECRET: 'whsec_benchmark_only',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DB_TYPE: 'mariadb',
    DB_DATABASE: database,
    REDIS_PREFIX: database,
  };
  const runs: ClusterRun[] = [];
  try {
    await recreateDatabase(database);
    const single = await startApp(
      { ...settings, REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1' },
      await sparePort(),
    );
    const bench = { database, profile, connections };
    runs.push(await hotProduct('single MariaDB + Redis, 1 process', [single], 3306, bench));
    await stopAll([single]);
    await dropDatabase(database);
    await deleteKeysWithPrefix(database);

    const galera = (index: number) => ({
      ...settings,
      REDIS_HOST: '',
      REDIS_CLUSTER_NODES,
      DB_PORT: String(GALERA_PORTS[index]),
    });
    const one = await startApp(galera(0), await sparePort());
    runs.push(await hotProduct('Galera + Redis Cluster, 1 process', [one], GALERA_PORTS[0], bench));
    await stopAll([one]);
    const three = await Promise.all(
      [0, 1, 2].map(async (index) => startApp(galera(index), await sparePort())),
    );
    runs.push(
      await hotProduct('Galera + Redis Cluster, 3 processes on 3 nodes', three, GALERA_PORTS[0], bench),
    );
    await stopAll(three);
  } finally {
    await dropOn(GALERA_PORTS[0], database).catch(() => undefined);
    if (startedHere) {
      clusterScript('galera-cluster.sh', 'stop');
      clusterScript('redis-cluster.sh', 'stop');
    }
  }
  return runs;
}

async function hotProduct(
  label: string,
  apps: AppProcess[],
  dbPort: number,
  {
    database,
    profile,
    connections,
  }: { database: string; profile: { hotSeconds: number; warmupSeconds: number }; connections: number },
): Promise<ClusterRun> {
  const db = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root', database });
  try {
    const [inserted] = await db.query(
      'INSERT INTO products (name, total_stock, available_stock, price, created_at, updated_at) VALUES (?, 100000000, 100000000, 9.99, NOW(3), NOW(3))',
      [`Bench cluster product ${Date.now()}`],
    );
    const productId = (inserted as { insertId: number }).insertId;
    const split = (run: (app: AppProcess, share: number) => Promise<LoadResult>) =>
      Promise.all(
        apps.map((app, i) =>
          run(app, Math.floor(connections / apps.length) + (i < connections % apps.length ? 1 : 0)),
        ),
      );
    const hold = (app: AppProcess, share: number, durationSeconds: number) =>
      load({
        url: `${app.url}/api/holds`,
        method: 'POST',
        body: { product_id: productId, quantity: 1 },
        connections: share,
        durationSeconds,
      });
    // Let every node see the product before the load (the apps read causally; this connection does not need to).
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Settled once the stored holds stop growing (requests in flight at the deadline answered).
    const storedHolds = async () => {
      const [[row]] = (await db.query('SELECT COUNT(*) AS n FROM holds WHERE product_id = ?', [
        productId,
      ])) as unknown as [Array<{ n: number | string }>];
      return Number(row.n);
    };
    await split((app, share) => hold(app, share, profile.warmupSeconds));
    await settle(storedHolds);
    const before = await counters(apps);
    const results = await split((app, share) => hold(app, share, profile.hotSeconds));
    await settle(storedHolds);
    const after = await counters(apps);
    const [[stock]] = (await db.query(
      'SELECT p.total_stock - p.available_stock AS taken, (SELECT COALESCE(SUM(quantity), 0) FROM holds WHERE product_id = p.id) AS held FROM products p WHERE p.id = ?',
      [productId],
    )) as unknown as [Array<{ taken: number | string; held: number | string }>];
    const created = after.holds - before.holds;
    return {
      label,
      processes: apps.length,
      holdsPerSecond: results.reduce((sum, r) => sum + r.perSecond, 0),
      p50: Math.max(...results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      retriesPer100Holds:
        created > 0 ? Math.round(((after.retries - before.retries) / created) * 10_000) / 100 : 0,
      unitsTaken: Number(stock.taken),
      unitsInStoredHolds: Number(stock.held),
    };
  } finally {
    await db.end();
  }
}

/** Holds created and transaction retries, summed over the processes' /metrics. */
async function counters(apps: AppProcess[]): Promise<{ holds: number; retries: number }> {
  let holds = 0;
  let retries = 0;
  for (const app of apps) {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('flash_sale_holds_created_total ')) holds += Number(line.split(' ')[1]);
      if (line.startsWith('flash_sale_transaction_retries_total')) retries += Number(line.split(' ').pop());
    }
  }
  return { holds, retries };
}

export function reportCluster(runs: ClusterRun[]): string[] {
  const failures: string[] = [];
  const rows: string[][] = [
    ['', 'holds/s', 'p50 / p99 ms', 'retries per 100 holds', 'errors / non-2xx', 'units taken = in holds'],
  ];
  for (const run of runs) {
    rows.push([
      run.label,
      String(run.holdsPerSecond),
      `${run.p50} / ${run.p99}`,
      String(run.retriesPer100Holds),
      `${run.errors} / ${run.non2xx}`,
      `${run.unitsTaken} = ${run.unitsInStoredHolds}`,
    ]);
    if (run.unitsTaken !== run.unitsInStoredHolds) {
      failures.push(`${run.label}: ${run.unitsTaken} units taken, ${run.unitsInStoredHolds} in holds`);
    }
    if (run.errors > 0 || run.non2xx > 0) {
      failures.push(`${run.label}: ${run.errors} errors, ${run.non2xx} non-2xx`);
    }
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log('\nHot product (quantity 1, one product), single server vs clusters, same run');
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  '));
  return failures;
}

function clusterScript(script: string, command: string): boolean {
  return spawnSync('bash', [join(ROOT, 'scripts', script), command], { stdio: 'ignore' }).status === 0;
}

async function stopAll(apps: AppProcess[]): Promise<void> {
  await Promise.all(apps.map((app) => app.stop()));
}

async function dropOn(port: number, database: string): Promise<void> {
  const connection = await createConnection({ host: '127.0.0.1', port, user: 'root' });
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(database)}`);
  } finally {
    await connection.end();
  }
}

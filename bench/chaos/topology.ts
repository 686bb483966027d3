import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import {
  clusterEnv,
  galeraPort,
  galeraScript,
  GaleraNode,
  lockClusterSpecs,
  REDIS_CLUSTER_PORTS,
  redisClusterScript,
  unlockClusterSpecs,
} from '../../test/cluster/cluster-env';
import { cleanEnv } from '../../test/utils/embedded';
import { sparePort } from '../../test/utils/ports';
import { RedisServer } from '../../test/utils/redis-server';
import { TcpProxy } from '../../test/utils/tcp-proxy';
import { ManagedProcess } from './managed-process';
import type { Prng } from './prng';
import { ScratchMariaDb } from './scratch-mariadb';

/** Short times, so that expiries and payment timeouts happen many times a minute. */
export const TIMING = { holdTtlSeconds: 3, sweepIntervalSeconds: 1, paymentTimeoutSeconds: 6 };
export const ADMIN_TOKEN = 'chaos-admin-token-0123456789abcdef0123456789';
export const WEBHOOK_SECRET = 'whsec_chaos_run';

const APP_ENV = {
  NODE_ENV: 'production',
  HOLD_TTL_SECONDS: String(TIMING.holdTtlSeconds),
  HOLD_SWEEP_INTERVAL_SECONDS: String(TIMING.sweepIntervalSeconds),
  ORDER_PAYMENT_TIMEOUT_SECONDS: String(TIMING.paymentTimeoutSeconds),
  ADMIN_API_TOKEN: ADMIN_TOKEN,
  PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
  RATE_LIMIT_PER_MINUTE: '0',
  SEED_ON_START: 'false',
  SHUTDOWN_TIMEOUT_SECONDS: '5',
  DB_POOL_SIZE: '16',
};

/** A fault the nemesis can inject, and how long (ms) it leaves the thing down before healing it. */
export type FaultKind =
  | 'sigkill-api'
  | 'sigterm-api'
  | 'sigkill-worker'
  | 'sigterm-worker'
  | 'redis-restart'
  | 'redis-restart-empty'
  | 'database-cut'
  | 'database-connections-dropped'
  | 'galera-node-killed'
  | 'redis-master-stopped';

/** The fault kinds each deployment offers, with their weights in the draw. */
export const FAULT_WEIGHTS: Record<'single' | 'cluster', Partial<Record<FaultKind, number>>> = {
  single: {
    'sigkill-api': 3,
    'sigterm-api': 2,
    'sigkill-worker': 2,
    'sigterm-worker': 1,
    'redis-restart': 2,
    'database-cut': 2,
    'database-connections-dropped': 2,
  },
  cluster: {
    'sigkill-api': 2,
    'sigterm-api': 1,
    'sigkill-worker': 2,
    'sigterm-worker': 1,
    'database-cut': 1,
    'database-connections-dropped': 2,
    'galera-node-killed': 3,
    'redis-master-stopped': 3,
  },
};

/** Faults that stop the worker's job or sweeper from releasing on time (they widen the expiry bound). */
export const DELAYS_RELEASES: ReadonlySet<FaultKind> = new Set([
  'sigkill-worker',
  'sigterm-worker',
  'redis-restart',
  'redis-restart-empty',
  'database-cut',
  'database-connections-dropped',
  'galera-node-killed',
  'redis-master-stopped',
]);

/**
 * Faults that make a 503 honest: the database unreachable or its connections lost (the API
 * answers 503 SERVICE_UNAVAILABLE with Retry-After), and a process draining on SIGTERM. Redis
 * going away must not cause one (the API goes on without it), nor a killed worker.
 */
export const EXPLAINS_503: ReadonlySet<FaultKind> = new Set([
  'database-cut',
  'database-connections-dropped',
  'galera-node-killed',
  'sigterm-api',
]);

export interface Topology {
  mode: 'single' | 'cluster';
  apis: ManagedProcess[];
  worker: ManagedProcess;
  /** A connection of the checker's own, straight to the database (never through a proxy). */
  checkerConnection(): Promise<Connection>;
  /** Injects `kind`, waits `pauseMs`, heals it; resolves once the thing is back. Returns what was hit. */
  inject(kind: FaultKind, rng: Prng, pauseMs: number): Promise<string>;
  /** Makes sure everything runs (a process that died on its own is started again). */
  ensureUp(): Promise<void>;
  describe(): string;
  tearDown(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The processes, stopped by `cleanups` whatever happens next, then started. */
async function startProcesses(
  apiEnvs: Record<string, string>[],
  workerEnv: Record<string, string>,
  cleanups: Array<() => Promise<unknown>>,
) {
  const apis = await Promise.all(
    apiEnvs.map(async (env, i) => new ManagedProcess(`api-${i + 1}`, 'main', env, await sparePort())),
  );
  const worker = new ManagedProcess('worker', 'worker', workerEnv);
  cleanups.push(() => Promise.all([...apis, worker].map((process) => process.stop())));
  // The first starts alone: it migrates the empty database; the others find it ready.
  await apis[0].start();
  await Promise.all([...apis.slice(1).map((api) => api.start()), worker.start()]);
  return { apis, worker };
}

async function processFault(
  kind: FaultKind,
  rng: Prng,
  pauseMs: number,
  apis: ManagedProcess[],
  worker: ManagedProcess,
): Promise<string | undefined> {
  const target = kind.endsWith('-api') ? rng.pick(apis) : kind.endsWith('-worker') ? worker : undefined;
  if (!target) return undefined;
  await target.signal(kind.startsWith('sigkill') ? 'SIGKILL' : 'SIGTERM');
  await sleep(pauseMs);
  await target.start();
  return target.name;
}

/**
 * Drops every open database connection (mid-query, mid-transaction) every 250 ms for
 * `durationMs`: the pools reconnect between drops and lose those connections again.
 */
async function dropRepeatedly(proxies: TcpProxy[], durationMs: number): Promise<number> {
  let dropped = 0;
  const until = Date.now() + durationMs;
  do {
    for (const proxy of proxies) dropped += proxy.dropConnections();
    await sleep(250);
  } while (Date.now() < until);
  return dropped;
}

/** A MariaDB and a Redis of the run's own, on spare ports; every app process reaches the database through a proxy. */
export async function singleTopology(): Promise<Topology> {
  const dir = mkdtempSync(join(tmpdir(), 'flash-sale-chaos-'));
  const database = 'flash_sale_chaos';
  const cleanups: Array<() => Promise<unknown>> = [
    () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  ];
  const tearDown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const mariadb = await ScratchMariaDb.start(join(dir, 'mariadb'));
    cleanups.push(() => mariadb.stop());
    await mariadb.createDatabase(database);
    const proxy = new TcpProxy('127.0.0.1', mariadb.port);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const redisDir = join(dir, 'redis');
    mkdirSync(redisDir);
    const redis = await RedisServer.onSparePort({ dataDir: redisDir });
    await redis.start();
    cleanups.push(() => redis.stop());
    const env = (extra: Record<string, string>) =>
      cleanEnv({
        ...APP_ENV,
        DB_TYPE: 'mariadb',
        DB_HOST: '127.0.0.1',
        DB_PORT: String(proxy.port),
        DB_USERNAME: 'root',
        DB_PASSWORD: '',
        DB_DATABASE: database,
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redis.port),
        REDIS_PREFIX: 'chaos',
        ...extra,
      });
    const { apis, worker } = await startProcesses(
      [1, 2].map(() => env({ WORKER_ENABLED: 'false', LOG_LEVEL: 'warn' })),
      env({ LOG_LEVEL: 'info' }),
      cleanups,
    );
    return {
      mode: 'single',
      apis,
      worker,
      checkerConnection: () =>
        createConnection({ host: '127.0.0.1', port: mariadb.port, user: 'root', database, timezone: 'Z' }),
      async inject(kind, rng, pauseMs) {
        const hit = await processFault(kind, rng, pauseMs, apis, worker);
        if (hit) return hit;
        switch (kind) {
          case 'redis-restart':
            await redis.save();
            await redis.stop();
            await sleep(pauseMs);
            await redis.start();
            return `redis :${redis.port} (dataset kept)`;
          case 'redis-restart-empty':
            await redis.stop();
            rmSync(join(redisDir, 'dump.rdb'), { force: true });
            await sleep(pauseMs);
            await redis.start();
            return `redis :${redis.port} (dataset lost)`;
          case 'database-cut':
            await proxy.stop();
            await sleep(pauseMs);
            await proxy.start(proxy.port);
            return `proxy :${proxy.port}`;
          case 'database-connections-dropped':
            return `${await dropRepeatedly([proxy], pauseMs)} connections`;
          default:
            throw new Error(`${kind} is not a fault of this deployment`);
        }
      },
      async ensureUp() {
        if (!redis.running) await redis.start();
        await proxy.start(proxy.port);
        for (const process of [...apis, worker]) if (!process.up) await process.start();
      },
      describe: () =>
        `scratch MariaDB :${mariadb.port} (proxy :${proxy.port}), redis-server :${redis.port}, ` +
        `APIs :${apis.map((api) => api.port).join(', :')}, a worker`,
      tearDown,
    };
  } catch (error) {
    await tearDown();
    throw error;
  }
}

/**
 * The cluster deployment: scripts/galera-cluster.sh's three nodes and scripts/redis-cluster.sh's
 * three masters (started if they are not running, stopped at the end if this run started
 * them), API 1 on node 1, API 2 on node 2 and the worker on node 3, each through a proxy of
 * its own; the checker reads node 1 directly with causal reads. Takes the cluster specs' lock,
 * so no cluster test faults the clusters meanwhile.
 */
export async function clusterTopology(): Promise<Topology> {
  await lockClusterSpecs();
  const database = `chaos_${process.pid}`;
  const cleanups: Array<() => Promise<unknown>> = [() => Promise.resolve(unlockClusterSpecs())];
  const tearDown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const wereRunning = await Promise.all([galeraScript('status'), redisClusterScript('status')]).then(
      () => true,
      () => false,
    );
    await Promise.all([galeraScript('start'), redisClusterScript('start')]);
    if (!wereRunning) cleanups.push(() => Promise.all([galeraScript('stop'), redisClusterScript('stop')]));
    const admin = await createConnection({ host: '127.0.0.1', port: galeraPort(1), user: 'root' });
    await admin.query(
      `CREATE DATABASE ${admin.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await admin.end();
    cleanups.push(async () => {
      const connection = await createConnection({ host: '127.0.0.1', port: galeraPort(1), user: 'root' });
      await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(database)}`);
      await connection.end();
    });
    const nodes: GaleraNode[] = [1, 2, 3];
    const proxies = await Promise.all(
      nodes.map(async (node) => {
        const proxy = new TcpProxy('127.0.0.1', galeraPort(node));
        await proxy.start();
        return proxy;
      }),
    );
    cleanups.push(() => Promise.all(proxies.map((proxy) => proxy.stop())));
    const env = (node: GaleraNode, extra: Record<string, string>) =>
      clusterEnv(database, node, { ...APP_ENV, DB_PORT: String(proxies[node - 1].port), ...extra });
    const { apis, worker } = await startProcesses(
      [
        env(1, { WORKER_ENABLED: 'false', LOG_LEVEL: 'warn' }),
        env(2, { WORKER_ENABLED: 'false', LOG_LEVEL: 'warn' }),
      ],
      env(3, { LOG_LEVEL: 'info' }),
      cleanups,
    );
    return {
      mode: 'cluster',
      apis,
      worker,
      async checkerConnection() {
        const connection = await createConnection({
          host: '127.0.0.1',
          port: galeraPort(1),
          user: 'root',
          database,
          timezone: 'Z',
        });
        // Causal reads: whatever any node committed before this read is seen by it.
        await connection.query('SET SESSION wsrep_sync_wait = 1');
        return connection;
      },
      async inject(kind, rng, pauseMs) {
        const hit = await processFault(kind, rng, pauseMs, apis, worker);
        if (hit) return hit;
        switch (kind) {
          case 'galera-node-killed': {
            // Node 1 serves the checker; 2 carries API 2, 3 the worker.
            const node = rng.pick([2, 3]);
            await galeraScript('kill', String(node));
            await sleep(pauseMs);
            await galeraScript('start');
            return `galera node ${node}`;
          }
          case 'redis-master-stopped': {
            const port = rng.pick(REDIS_CLUSTER_PORTS);
            await redisClusterScript('stop-node', String(port));
            await sleep(pauseMs);
            await redisClusterScript('start');
            return `redis master :${port} (dataset lost)`;
          }
          case 'database-cut':
            await Promise.all(proxies.map((proxy) => proxy.stop()));
            await sleep(pauseMs);
            await Promise.all(proxies.map((proxy) => proxy.start(proxy.port)));
            return 'all three proxies';
          case 'database-connections-dropped':
            return `${await dropRepeatedly(proxies, pauseMs)} connections`;
          default:
            throw new Error(`${kind} is not a fault of this deployment`);
        }
      },
      async ensureUp() {
        await Promise.all([galeraScript('start'), redisClusterScript('start')]);
        await Promise.all(proxies.map((proxy) => proxy.start(proxy.port)));
        for (const process of [...apis, worker]) if (!process.up) await process.start();
      },
      describe: () =>
        `Galera nodes :${nodes.map(galeraPort).join(', :')} (proxies :${proxies.map((p) => p.port).join(', :')}), ` +
        `Redis Cluster :${REDIS_CLUSTER_PORTS.join(', :')}, APIs :${apis.map((api) => api.port).join(', :')}, a worker`,
      tearDown,
    };
  } catch (error) {
    await tearDown();
    throw error;
  }
}

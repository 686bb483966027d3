/**
 * `npm run bench:reads [-- <checkout> ...]`: the cached `GET /api/products/:id` of the embedded
 * mode against the scale-out mode's, in one sitting. Every app (each mode of each checkout
 * named, this one by default; each needs a build) runs for the whole sitting, and the rounds
 * load them in turn, each after a warm-up, so they share the machine's state as closely as a
 * shared 2-core box allows. Reports the API process's CPU per 2xx answer (and Redis's), per
 * round and as the median. `--rounds=N` (5), `--seconds=S` (6), `--node-args="--cpu-prof ..."`,
 * `--holds-first=S`: S seconds of hold load on another product in each app before the rounds,
 * as `npm run bench` does before it measures reads (the apps then hold tens of thousands of holds).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntilReady } from './lib/app-process';
import { measureCpu, procMeter, redisMeter } from './lib/cpu';
import { dropDatabase, recreateDatabase } from './lib/database';
import { load } from './lib/http-load';
import { sparePort } from '../test/utils/ports';

const option = (name: string, fallback: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ROUNDS = Number(option('rounds', '5'));
const SECONDS = Number(option('seconds', '6'));
const NODE_ARGS = option('node-args', '').split(' ').filter(Boolean);
const HOLDS_FIRST_SECONDS = Number(option('holds-first', '0'));
const ADMIN_TOKEN = 'bench-read-ab-admin-token-0123456789abcdef';
const CONNECTIONS = 64;
const checkouts = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const roots = checkouts.length > 0 ? checkouts.map((path) => resolve(path)) : [resolve(__dirname, '..')];

interface RunningApp {
  name: string;
  url: string;
  pid: number | undefined;
  child: ChildProcess;
}

async function start(name: string, root: string, env: Record<string, string>): Promise<RunningApp> {
  const port = await sparePort();
  const child = spawn(process.execPath, [...NODE_ARGS, join(root, 'dist', 'main.js')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      PAYMENT_WEBHOOK_SECRET: 'whsec_benchmark_only',
      HOLD_TTL_SECONDS: '3600',
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(`${url}/api/products/1`, child, () => stderr);
  return { name, url, pid: child.pid, child };
}

function stop(app: RunningApp): Promise<void> {
  if (app.child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    app.child.once('exit', () => done());
    // SIGINT: a --cpu-prof profile is written on a clean exit.
    app.child.kill('SIGINT');
  });
}

/** Creates a product with ample stock through the admin API and takes holds on it for `seconds`. */
async function takeHolds(app: RunningApp, seconds: number): Promise<number> {
  const created = await fetch(`${app.url}/api/admin/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Hot product', price: '9.99', total_stock: 10_000_000 }),
  });
  if (!created.ok) throw new Error(`${app.name}: creating the hot product answered ${created.status}`);
  const { id } = ((await created.json()) as { data: { id: number } }).data;
  const body = { product_id: id, quantity: 1 };
  const run = await load({
    url: `${app.url}/api/holds`,
    method: 'POST',
    body,
    connections: CONNECTIONS,
    durationSeconds: seconds,
  });
  return run.ok;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const database = `flash_sale_read_ab_${process.pid}`;
  const sqliteDir = mkdtempSync(join(tmpdir(), 'flash-sale-read-ab-'));
  const apps: RunningApp[] = [];
  try {
    for (const [index, root] of roots.entries()) {
      const label = roots.length > 1 ? `${index + 1}:${root.split('/').pop()} ` : '';
      await recreateDatabase(`${database}_${index}`);
      apps.push(
        await start(`${label}scale-out`, root, {
          DB_TYPE: 'mariadb',
          DB_DATABASE: `${database}_${index}`,
          REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
          REDIS_PREFIX: `${database}_${index}`,
        }),
        await start(`${label}embedded`, root, {
          DB_TYPE: 'sqlite',
          SQLITE_PATH: join(sqliteDir, `${index}.sqlite`),
          REDIS_HOST: '',
        }),
      );
    }
    if (HOLDS_FIRST_SECONDS > 0) {
      for (const app of apps) {
        console.log(`${app.name}: ${await takeHolds(app, HOLDS_FIRST_SECONDS)} holds first`);
      }
    }
    const perRead: Record<string, { api: number[]; redis: number[]; rate: number[] }> = {};
    for (const app of apps) perRead[app.name] = { api: [], redis: [], rate: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order, so neither mode always follows the other.
      const order = round % 2 === 0 ? apps : [...apps].reverse();
      for (const app of order) {
        const url = `${app.url}/api/products/1`;
        await load({ url, connections: CONNECTIONS, durationSeconds: 2 });
        const run = await measureCpu({ api: procMeter(app.pid), redis: redisMeter() }, () =>
          load({ url, connections: CONNECTIONS, durationSeconds: SECONDS }),
        );
        if (run.errors > 0 || run.non2xx > 0) {
          throw new Error(`${app.name}: ${run.errors} errors, ${run.non2xx} non-2xx`);
        }
        perRead[app.name].api.push(run.cpuMicrosPerRequest.api ?? NaN);
        perRead[app.name].redis.push(run.cpuMicrosPerRequest.redis ?? NaN);
        perRead[app.name].rate.push(run.perSecond);
        console.log(
          `round ${round + 1} ${app.name.padEnd(24)} API ${run.cpuMicrosPerRequest.api?.toFixed(1)} µs/read, ` +
            `Redis ${run.cpuMicrosPerRequest.redis?.toFixed(1)} µs/read, ${run.perSecond} reads/s`,
        );
      }
    }
    console.log(`\nMedian of ${ROUNDS} rounds of ${SECONDS} s, 64 connections, cached GET /api/products/1`);
    for (const [name, figures] of Object.entries(perRead)) {
      const range = `${Math.min(...figures.api).toFixed(0)}-${Math.max(...figures.api).toFixed(0)}`;
      console.log(
        `${name.padEnd(24)} API ${median(figures.api).toFixed(1)} µs/read (${range}), ` +
          `Redis ${median(figures.redis).toFixed(1)} µs/read, ${median(figures.rate)} reads/s`,
      );
    }
  } finally {
    await Promise.all(apps.map(stop));
    rmSync(sqliteDir, { recursive: true, force: true });
    for (let index = 0; index < roots.length; index++) await dropDatabase(`${database}_${index}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

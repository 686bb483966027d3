/**
 * `npm run chaos`: a crash-consistency run. Starts a deployment of its own (a scratch MariaDB
 * and Redis on spare ports, or with --cluster the Galera and Redis clusters), two API
 * processes and a worker; drives a seeded sale workload while a nemesis kills processes and
 * cuts the database and Redis; checks the invariants every second and at the end.
 *
 *   npm run chaos                       # 10 minutes
 *   npm run chaos -- --minutes 3 --seed 42
 *   npm run chaos -- --smoke            # 60 s (CI)
 *   npm run chaos -- --cluster          # Galera + Redis Cluster faults too
 *
 * Exits 1 if any invariant check failed. The JSON goes to bench/results/chaos-<date>.json
 * (a smoke run's to the temp folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from './http-client';
import { Checker } from './checker';
import { Nemesis, planFaults } from './nemesis';
import { Prng } from './prng';
import { ChaosReport, formatReport } from './report';
import { StreamFollowers } from './stream-followers';
import { ADMIN_TOKEN, clusterTopology, singleTopology, TIMING, Topology } from './topology';
import { Product, Workload } from './workload';

const TICK_MS = 40;
const CHECK_EVERY_MS = 1_000;

interface Options {
  minutes: number;
  seed: number;
  cluster: boolean;
  smoke: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  const minutes = Number(value('--minutes') ?? (smoke ? 1 : 10));
  const seed = Number(value('--seed') ?? Math.floor(Math.random() * 2 ** 31));
  if (!(minutes > 0) || !Number.isSafeInteger(seed)) {
    throw new Error('usage: --minutes N (> 0) --seed S (integer)');
  }
  return { minutes, seed, cluster: argv.includes('--cluster'), smoke };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createProducts(topology: Topology, rng: Prng): Promise<Product[]> {
  const products: Product[] = [];
  for (let i = 0; i < 6; i++) {
    const hot = i === 0;
    const answer = await request(`${topology.apis[0].base}/admin/products`, 'POST', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({
        name: hot ? 'Chaos hot drop' : `Chaos product ${i}`,
        price: `${rng.int(5, 150)}.${String(rng.int(0, 99)).padStart(2, '0')}`,
        total_stock: hot ? 30 : rng.int(20, 80),
      }),
    });
    if (answer.status !== 201) throw new Error(`creating a product: ${answer.status ?? answer.error}`);
    products.push({ id: Number(answer.body!.data!.id), hot });
  }
  return products;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  console.log(
    `chaos: seed ${options.seed}, ${options.minutes} min, ${options.cluster ? 'cluster' : 'single'} deployment`,
  );
  const topology = await (options.cluster ? clusterTopology() : singleTopology());
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('chaos: interrupted, stopping everything it started');
    void topology.tearDown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log(`chaos: ${topology.describe()}`);
    const rng = new Prng(options.seed);
    const products = await createProducts(topology, rng.fork());
    const workload = new Workload(topology.apis, products, rng.fork());
    const runMs = options.minutes * 60_000;
    const nemesis = new Nemesis(topology, planFaults(rng.fork(), topology.mode, runMs));
    const checker = new Checker(() => topology.checkerConnection(), workload.ledger, nemesis);
    const followers = new StreamFollowers(
      topology.apis,
      products.map((product) => product.id),
    );
    let checkerErrors = 0;

    const end = Date.now() + runMs;
    const faults = nemesis.run(end - 3_000);
    const ticker = setInterval(() => workload.tick(), TICK_MS);
    let lastProgress = Date.now();
    while (Date.now() < end && !interrupted) {
      const began = Date.now();
      await checker.pass().catch((error: Error) => {
        checkerErrors++;
        console.error(`chaos: checker pass failed: ${error.message}`);
      });
      if (Date.now() - lastProgress >= 30_000) {
        lastProgress = Date.now();
        console.log(
          `chaos: ${Math.round((end - Date.now()) / 1000)} s left, ${nemesis.windows.length} faults, ` +
            `${workload.ledger.requests} requests, ${checker.checksRun} checks, ${checker.failed} failed`,
        );
      }
      await sleep(Math.max(0, CHECK_EVERY_MS - (Date.now() - began)));
    }
    clearInterval(ticker);
    nemesis.stop();
    await faults;
    await topology.ensureUp();
    await workload.drain();

    // Quiet: every hold expires and every unpaid order times out; the worker gives it all back.
    const quietDeadline =
      Date.now() +
      (TIMING.holdTtlSeconds + TIMING.paymentTimeoutSeconds + TIMING.sweepIntervalSeconds) * 1000 +
      60_000;
    const connection = await topology.checkerConnection();
    try {
      for (;;) {
        const [[left]] = await connection.query<Array<{ n: number } & import('mysql2').RowDataPacket>>(`
          SELECT (SELECT COUNT(*) FROM holds WHERE used_at IS NULL AND released_at IS NULL)
               + (SELECT COUNT(*) FROM orders WHERE status = 'pending') AS n`);
        if (Number(left.n) === 0 || Date.now() > quietDeadline) break;
        await checker.pass().catch(() => checkerErrors++);
        await sleep(CHECK_EVERY_MS);
      }
      // The streams catch up within their interval; give them a few seconds, then compare.
      const streamDeadline = Date.now() + 10_000;
      for (;;) {
        const [rows] = await connection.query<
          Array<{ id: number; available_stock: number } & import('mysql2').RowDataPacket>
        >('SELECT id, available_stock FROM products');
        const caughtUp = rows.every(
          (row) => followers.lastStock.get(Number(row.id)) === Number(row.available_stock),
        );
        if (caughtUp || Date.now() > streamDeadline) break;
        await sleep(250);
      }
    } finally {
      await connection.end();
    }
    await checker.pass(true);
    await checker.finalState(followers.lastStock);
    const { longestTailMs, byFault } = checker.judgeServerErrors();
    checker.recordProcessExits(
      [...topology.apis, topology.worker].flatMap((process) => process.unexpectedExits),
    );
    if (checkerErrors > 0) {
      console.error(`chaos: ${checkerErrors} checker passes could not run (counted apart)`);
    }
    await followers.stop();
    await checker.close();

    const byKind: Record<string, number> = {};
    for (const window of nemesis.windows) byKind[window.kind] = (byKind[window.kind] ?? 0) + 1;
    const report: ChaosReport = {
      seed: options.seed,
      mode: topology.mode,
      minutes: options.minutes,
      startedAt: startedAt.toISOString(),
      deployment: topology.describe(),
      timing: { ...TIMING, tickMs: TICK_MS },
      faults: {
        total: nemesis.windows.length,
        byKind,
        failedToInject: nemesis.windows.filter((window) => window.error).length,
        windows: nemesis.windows,
      },
      requests: {
        total: workload.ledger.requests,
        byRoute: Object.fromEntries(
          [...workload.ledger.byRoute].map(([route, counts]) => [route, Object.fromEntries(counts)]),
        ),
      },
      checks: {
        run: checker.checksRun,
        failed: checker.failed,
        byName: Object.fromEntries(checker.runs),
        failures: checker.failures.map(({ check, detail }) => ({ check, detail })),
      },
      longestExpiredHoldWaitMs: checker.longestExpiredHoldWaitMs,
      longestPendingOrderOverdueMs: checker.longestPendingOverdueMs,
      longest503AfterFaultMs: longestTailMs,
      errorsByFault: byFault,
      streams: { connections: followers.connections, events: followers.events, refused: followers.refusals },
      bootFailures: Object.fromEntries(
        [...topology.apis, topology.worker].map((process) => [process.name, process.bootFailures]),
      ),
      holdsCreated: workload.ledger.createdHolds.size,
      ordersCreated: workload.ledger.createdOrders.size,
      webhooksAcknowledged: workload.ledger.webhookAcks.length,
    };
    // A smoke run's figures mean nothing (as the bench's): they go to the temp folder.
    const resultsDir = options.smoke ? tmpdir() : join(__dirname, '..', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const file = join(
      resultsDir,
      `chaos-${stamp}${options.smoke ? '-smoke' : ''}${options.cluster ? '-cluster' : ''}.json`,
    );
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    const logs = join(tmpdir(), 'flash-sale-chaos-logs', stamp);
    mkdirSync(logs, { recursive: true });
    for (const process of [...topology.apis, topology.worker]) {
      writeFileSync(join(logs, `${process.name}.log`), process.output());
    }
    console.log(`\n${formatReport(report)}\n\nchaos: JSON in ${file}, the processes' logs in ${logs}`);
    for (const window of nemesis.windows.filter((w) => w.error)) {
      console.error(`chaos: fault ${window.kind} could not be injected: ${window.error}`);
    }
    return checker.failed === 0 && report.faults.failedToInject === 0 ? 0 : 1;
  } finally {
    if (!interrupted) await topology.tearDown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('chaos: the run could not complete:', error);
    process.exit(1);
  },
);

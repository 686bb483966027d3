/**
 * `npm run bench` (full, ~1 min) and `npm run bench -- --smoke` (a few seconds per
 * scenario, run by CI so the benchmark keeps working; timings there mean nothing).
 *
 * Everything is measured in one run on one machine, and targets are ratios to references
 * measured in the same run: absolute numbers on a shared 2-core box are noise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotProductBooks, sellOutBooks } from './lib/accounting';
import { startApp, startProcess, waitUntilReady } from './lib/app-process';
import { dropDatabase, recreateDatabase } from './lib/database';
import { load, settle } from './lib/http-load';
import { mysqlStore } from './lib/mysql-store';
import { CpuPerRequest, databasePid, formatMicros, measureCpu, procMeter, redisMeter } from './lib/cpu';
import { deleteKeysWithPrefix } from './lib/redis';
import { clusterBench, reportCluster } from './scenarios/cluster';
import { customerLimit } from './scenarios/customer-limit';
import { embeddedMode } from './scenarios/embedded-mode';
import { fanOut } from './scenarios/fan-out';
import { frameworkFloor } from './scenarios/framework-floor';
import { rawRowLockLimit } from './scenarios/raw-row-lock';
import { sellOut } from './scenarios/sell-out';
import { verifiedBuyers } from './scenarios/verified-buyers';
import { waitingRoom } from './scenarios/waiting-room';
import { reportWaitingRoom } from './scenarios/waiting-room-report';
import { sparePort } from '../test/utils/ports';

const smoke = process.argv.includes('--smoke');
const profile = smoke
  ? {
      hotSeconds: 2,
      warmupSeconds: 1,
      rawSeconds: 1.5,
      readSeconds: 2,
      sellOutUnits: 1_000,
      buyers: 100,
      streamClients: 100,
      verifiedBuyers: 200,
      waitingRoom: {
        joins: 300,
        warmupJoins: 100,
        roundTripTickets: 100,
        roundTripSeconds: 1.5,
        streams: 200,
        idleSeconds: 1,
        streamSeconds: 2,
        streamAdmitPerMinute: 1_200,
        warmupSeconds: 1,
      },
    }
  : {
      hotSeconds: 10,
      warmupSeconds: 3,
      rawSeconds: 6,
      readSeconds: 10,
      sellOutUnits: 10_000,
      buyers: 500,
      streamClients: 5_000,
      verifiedBuyers: 10_000,
      // Issue 24's scale targets: 20,000 buyers joining, 20,000 ticket streams, a few hundred admitted.
      waitingRoom: {
        joins: 20_000,
        warmupJoins: 2_000,
        roundTripTickets: 2_000,
        roundTripSeconds: 5,
        streams: 20_000,
        idleSeconds: 5,
        streamSeconds: 20,
        streamAdmitPerMinute: 1_200,
        warmupSeconds: 3,
      },
    };
const CONNECTIONS = 64;
// One database and one Redis namespace per run, removed at the end: a run never inherits
// another's rows or delayed jobs.
const DATABASE = `flash_sale_bench_${process.pid}`;

/** `npm run bench -- --cluster`: the hot product on the Galera cluster and the Redis Cluster instead (see scenarios/cluster.ts). */
async function mainCluster() {
  const runs = await clusterBench(profile, CONNECTIONS);
  const failures = reportCluster(runs);
  const dir = smoke ? tmpdir() : join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${smoke ? 'smoke-' : ''}cluster-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { date: new Date().toISOString(), smoke, machine: { node: process.version }, runs, failures },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nWritten to ${file}`);
  if (failures.length > 0) {
    console.error(`\nCorrectness failures:\n  - ${failures.join('\n  - ')}`);
    process.exit(1);
  }
}

/**
 * `npm run bench -- --waiting-room`: scenario 8 alone (scale-out, on its own scratch database),
 * for the waiting room's figures without the rest of the run.
 */
async function mainWaitingRoom() {
  await recreateDatabase(DATABASE);
  let queue: Awaited<ReturnType<typeof waitingRoom>>;
  try {
    queue = await waitingRoom({
      appEnv: {
        SEED_ON_START: 'false',
        HOLD_TTL_SECONDS: '3600',
        PAYMENT_WEBHOOK_SECRET: 'whsec_benchmark_only',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        DB_TYPE: 'mariadb',
        DB_DATABASE: DATABASE,
        REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
        REDIS_PREFIX: DATABASE,
      },
      port: await sparePort(),
      database: DATABASE,
      profile: { ...profile.waitingRoom, connections: CONNECTIONS },
    });
  } finally {
    await dropDatabase(DATABASE);
    await deleteKeysWithPrefix(DATABASE);
  }
  reportWaitingRoom(queue, { smoke, floorPost: null, embeddedJoins: null });
  const date = new Date().toISOString();
  const dir = smoke ? tmpdir() : join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${smoke ? 'smoke-' : ''}waiting-room-${date.slice(0, 10)}.json`);
  const { failures, ...figures } = queue;
  writeFileSync(
    file,
    JSON.stringify(
      { date, smoke, machine: { node: process.version }, waitingRoom: figures, failures },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nWritten to ${file}`);
  if (failures.length > 0) {
    console.error(`\nCorrectness failures:\n  - ${failures.join('\n  - ')}`);
    process.exit(1);
  }
}

async function main() {
  if (process.argv.includes('--cluster')) return mainCluster();
  if (process.argv.includes('--waiting-room')) return mainWaitingRoom();
  // Ports nothing listens on: with fixed ones, a second benchmark on the machine (another
  // checkout) would answer this one's readiness probe, and its figures would be mixed in.
  const [APP_PORT, BARE_PORT, FLOOR_PORT, JWT_PORT, QUEUE_PORT] = [
    await sparePort(),
    await sparePort(),
    await sparePort(),
    await sparePort(),
    await sparePort(),
  ];
  const failures: string[] = [];
  await recreateDatabase(DATABASE);
  const appSettings = {
    SEED_ON_START: 'false',
    HOLD_TTL_SECONDS: '3600',
    RATE_LIMIT_PER_MINUTE: '0',
    // The fan-out's thousands of stream clients all come from this machine's one address.
    STREAM_MAX_PER_CLIENT: '1000000',
    PAYMENT_WEBHOOK_SECRET: 'whsec_benchmark_only',
    // The conditions CPU per request is compared in: production's quiet level.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  // The scale-out mode must be named: with no DB_TYPE and REDIS_HOST the app runs embedded.
  const scaleOutSettings = {
    ...appSettings,
    DB_TYPE: 'mariadb',
    DB_DATABASE: DATABASE,
    REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
    REDIS_PREFIX: DATABASE,
  };
  const app = await startApp(scaleOutSettings, APP_PORT);
  const store = await mysqlStore(DATABASE);
  // CPU of each process in the request's path; the database's only when it runs here.
  const meters = { api: procMeter(app.pid), redis: redisMeter(), database: procMeter(await databasePid()) };

  // 1. Hot product: every buyer on one row.
  const hotId = await store.createProduct(100_000_000);
  const holdRequest = {
    url: `${app.url}/api/holds`,
    method: 'POST' as const,
    body: { product_id: hotId, quantity: 1 },
  };
  await load({ ...holdRequest, connections: CONNECTIONS, durationSeconds: profile.warmupSeconds });
  const storedHolds = async () => (await store.stockReport(hotId)).holds;
  await settle(storedHolds);
  const before = await store.stockReport(hotId);
  const hot = await measureCpu(meters, () =>
    load({ ...holdRequest, connections: CONNECTIONS, durationSeconds: profile.hotSeconds }),
  );
  await settle(storedHolds);
  const after = await store.stockReport(hotId);
  const hotBooks = hotProductBooks('hot product', hot, after, before.holds, CONNECTIONS);
  failures.push(...hotBooks.failures);

  // 1b. Fan-out: live stock streams on a product while the same hold load runs on it.
  const fanId = await store.createProduct(100_000_000);
  const probeId = await store.createProduct(1_000_000);
  const fan = await fanOut({
    appUrl: app.url,
    productId: fanId,
    probeProductId: probeId,
    probeStock: 1_000_000,
    clients: profile.streamClients,
    connections: CONNECTIONS,
    durationSeconds: profile.hotSeconds,
    apiMeter: meters.api,
    apiMicrosPerHold: hot.cpuMicrosPerRequest.api,
  });
  if (fan.clientsMissingAProbe > 0) {
    failures.push(`fan-out: ${fan.clientsMissingAProbe} clients never saw a probe hold`);
  }

  // 1c. The hot product's load on a product with max_per_customer (1 has no limit).
  const limited = await customerLimit(app.url, DATABASE, {
    connections: CONNECTIONS,
    durationSeconds: profile.hotSeconds,
    warmupSeconds: profile.warmupSeconds,
    measure: (work) => measureCpu(meters, work),
  });
  failures.push(...limited.failures);

  // 1d. Holds with a verified ES256 token (BUYER_AUTH=jwt, a second API process) against the
  // same holds named by the body on this app (BUYER_AUTH=off).
  const verified = await verifiedBuyers({
    off: { url: app.url, pid: app.pid },
    appEnv: { ...scaleOutSettings, WORKER_ENABLED: 'false' },
    port: JWT_PORT,
    buyers: profile.verifiedBuyers,
    connections: CONNECTIONS,
    createProduct: () => store.createProduct(100_000_000),
  });
  failures.push(...verified.failures);

  // 3. Sell-out.
  const saleId = await store.createProduct(profile.sellOutUnits);
  const sale = await sellOut(app.url, saleId, profile.buyers);
  const saleReport = await store.stockReport(saleId);
  const saleBooks = sellOutBooks('sell-out', profile.sellOutUnits, sale, saleReport);
  failures.push(...saleBooks.failures);

  // 4. Reads, against a bare node:http server answering the same bytes.
  const readId = await store.createProduct(100);
  const readUrl = `${app.url}/api/products/${readId}`;
  const readBody = await (await fetch(readUrl)).text();
  await load({ url: readUrl, connections: CONNECTIONS, durationSeconds: profile.warmupSeconds });
  const reads = await measureCpu(meters, () =>
    load({ url: readUrl, connections: CONNECTIONS, durationSeconds: profile.readSeconds }),
  );
  if (reads.errors > 0 || reads.non2xx > 0) {
    failures.push(`reads: ${reads.errors} errors, ${reads.non2xx} non-2xx`);
  }
  await store.close();
  await app.stop();

  // 8. The waiting room, on an API process of its own (the main app stopped: every process of a
  // database admits from the shared lines, and only this one's database statements are counted).
  const queue = await waitingRoom({
    appEnv: scaleOutSettings,
    port: QUEUE_PORT,
    database: DATABASE,
    profile: { ...profile.waitingRoom, connections: CONNECTIONS },
  });
  failures.push(...queue.failures);

  const { stop: stopBare } = await startProcess([join(__dirname, 'bare-server.js')], {
    PORT: String(BARE_PORT),
    BARE_BODY: readBody,
  });
  const bareUrl = `http://127.0.0.1:${BARE_PORT}/`;
  await waitUntilReady(bareUrl);
  await load({ url: bareUrl, connections: CONNECTIONS, durationSeconds: profile.warmupSeconds });
  const bare = await load({ url: bareUrl, connections: CONNECTIONS, durationSeconds: profile.readSeconds });
  await stopBare();

  // The minimal Nest + Fastify app: the framework's floor for the CPU-per-request ratios.
  const floor = await frameworkFloor({ ...profile, connections: CONNECTIONS }, FLOOR_PORT);

  // 2. The raw per-transaction limit, with the app stopped so neither competes with the other.
  const raw = await rawRowLockLimit(DATABASE, profile.rawSeconds);
  await dropDatabase(DATABASE);
  await deleteKeysWithPrefix(DATABASE);

  // 5. Scenarios 1, 3 and 4 again in embedded mode (SQLite, no Redis), for the side-by-side column.
  const embedded = await embeddedMode(
    { ...profile, waitingRoom: profile.waitingRoom, connections: CONNECTIONS },
    APP_PORT,
    appSettings,
  );
  failures.push(...embedded.failures);

  const results = {
    date: new Date().toISOString(),
    smoke,
    machine: { node: process.version },
    hotProduct: { ...hot, connections: CONNECTIONS, accounting: hotBooks.accounting },
    rawRowLock: raw,
    hotToRawRatio: round(hot.perSecond / raw.perSecond),
    fanOut: fan,
    customerLimit: { ...limited, connections: CONNECTIONS },
    verifiedBuyers: { ...verified, connections: CONNECTIONS },
    sellOut: { ...sale, buyers: profile.buyers, accounting: saleBooks.accounting },
    reads: { app: reads, bareNodeHttp: bare, ratio: round(reads.perSecond / bare.perSecond) },
    embedded: {
      hotProduct: embedded.hotProduct,
      sellOut: embedded.sellOut,
      reads: embedded.reads,
      joins: embedded.joins,
    },
    frameworkFloor: floor,
    waitingRoom: { ...queue, failures: undefined },
    failures,
  };
  report(results);
  const dir = smoke ? tmpdir() : join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${smoke ? 'smoke-' : ''}${results.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nWritten to ${file}`);
  if (failures.length > 0) {
    console.error(`\nCorrectness failures:\n  - ${failures.join('\n  - ')}`);
    process.exit(1);
  }
}

type Measured = Awaited<ReturnType<typeof load>> & { cpuMicrosPerRequest: CpuPerRequest };

type Results = {
  date: string;
  smoke: boolean;
  hotProduct: Measured & { accounting: { unitsTaken: number; unitsInStoredHolds: number } };
  rawRowLock: Awaited<ReturnType<typeof rawRowLockLimit>>;
  hotToRawRatio: number;
  fanOut: Awaited<ReturnType<typeof fanOut>>;
  customerLimit: Awaited<ReturnType<typeof customerLimit>>;
  verifiedBuyers: Awaited<ReturnType<typeof verifiedBuyers>>;
  sellOut: Awaited<ReturnType<typeof sellOut>> & {
    buyers: number;
    accounting: { units: number; unitsHeld: number; oversell: number };
  };
  reads: { app: Measured; bareNodeHttp: Awaited<ReturnType<typeof load>>; ratio: number };
  embedded: Omit<Awaited<ReturnType<typeof embeddedMode>>, 'failures'>;
  frameworkFloor: Awaited<ReturnType<typeof frameworkFloor>>;
  waitingRoom: Omit<Awaited<ReturnType<typeof waitingRoom>>, 'failures'>;
};

function report(r: Results) {
  const mark = (ok: boolean) => (r.smoke ? '' : ok ? ' (target met)' : ' (target MISSED)');
  const rows: Array<[string, string]> = [
    ['1. Hot product holds/s (64 conn)', `${r.hotProduct.perSecond}`],
    [
      '   p50 / p99 latency (ms)',
      `${r.hotProduct.p50} / ${r.hotProduct.p99}${mark(r.hotProduct.p99 <= 100)}`,
    ],
    ['   errors / non-2xx', `${r.hotProduct.errors} / ${r.hotProduct.non2xx}`],
    [
      '   units taken = units in stored holds',
      `${r.hotProduct.accounting.unitsTaken} = ${r.hotProduct.accounting.unitsInStoredHolds}`,
    ],
    [
      `1c. Same with max_per_customer (${r.customerLimit.customers} customers) holds/s`,
      `${r.customerLimit.perSecond} (p99 ${r.customerLimit.p99} ms, ${r.customerLimit.refusals} refused)`,
    ],
    ['2. Raw row-lock limit tx/s (32 conn)', `${r.rawRowLock.perSecond}`],
    ['   ratio (1) / (2)', `${r.hotToRawRatio}x${mark(r.hotToRawRatio >= 2)}`],
    [
      `3. Sell-out ${r.sellOut.accounting.units} units, ${r.sellOut.buyers} buyers`,
      `${r.sellOut.seconds.toFixed(2)} s`,
    ],
    ['   units held / oversell', `${r.sellOut.accounting.unitsHeld} / ${r.sellOut.accounting.oversell}`],
    ['   refusals (409) / other answers', `${r.sellOut.refusals} / ${r.sellOut.unexpected}`],
    ['4. Reads GET /api/products/:id req/s', `${r.reads.app.perSecond} (p99 ${r.reads.app.p99} ms)`],
    ['   bare node:http req/s', `${r.reads.bareNodeHttp.perSecond}`],
    ['   ratio', `${r.reads.ratio}x${mark(r.reads.ratio >= 0.3)}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\nFlash-sale benchmark${r.smoke ? ' (smoke: timings are not meaningful)' : ''}, ${r.date}\n`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  reportModes(r);
  reportCpu(r);
  reportFanOut(r);
  reportWaitingRoom(r.waitingRoom, {
    smoke: r.smoke,
    floorPost: r.frameworkFloor.hold.cpuMicrosPerRequest.api,
    embeddedJoins: r.embedded.joins,
  });
}

/** Live stock streams during the hot-product load, against the same load without them. */
function reportFanOut(r: Results) {
  const f = r.fanOut;
  const rows: Array<[string, string]> = [
    [`Fan-out: ${f.clients} stream clients${f.cappedBy ? ` (capped by ${f.cappedBy})` : ''}`, ''],
    ['   holds/s with streams (without)', `${f.holds.perSecond} (${r.hotProduct.perSecond})`],
    ['   hold p50 / p99 latency (ms)', `${f.holds.p50} / ${f.holds.p99}`],
    // Shed load (503) or timeouts on an overloaded machine: reported, not a correctness failure.
    ['   hold errors / non-2xx', `${f.holds.errors} / ${f.holds.non2xx}`],
    [
      `   hold answer -> last client p50 / p99 / max (ms, ${f.probes} probes)`,
      `${f.lastClientMs.p50} / ${f.lastClientMs.p99} / ${f.lastClientMs.max}`,
    ],
    ['   hold answer -> each client p50 / p99 (ms)', `${f.everyClientMs.p50} / ${f.everyClientMs.p99}`],
    ['   events delivered/s', `${f.eventsPerSecond}`],
    ['   API CPU per delivered event', formatMicros(f.apiCpuMicrosPerEvent)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log('\nLive stock fan-out (same run)');
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
}

/** CPU time per 2xx answer of each process, and ours over the framework's floor. */
function reportCpu(r: Results) {
  const target = (value: number | null, limit: number) =>
    r.smoke || value === null ? '' : value <= limit ? ` (<= ${limit}: met)` : ` (<= ${limit}: MISSED)`;
  const ratio = (ours: number | null, floor: number | null) =>
    ours === null || !floor ? 'n/a' : `${round(ours / floor)}x`;
  const hot = r.hotProduct.cpuMicrosPerRequest;
  const limited = r.customerLimit.cpuMicrosPerRequest;
  const read = r.reads.app.cpuMicrosPerRequest;
  const eHot = r.embedded.hotProduct.cpuMicrosPerRequest;
  const eRead = r.embedded.reads.cpuMicrosPerRequest;
  const floorHold = r.frameworkFloor.hold.cpuMicrosPerRequest.api;
  const floorRead = r.frameworkFloor.read.cpuMicrosPerRequest.api;
  const backing = hot.redis === null || hot.database === null ? null : hot.redis + hot.database;
  const rows: Array<[string, string, string, string, string]> = [
    ['CPU per 2xx answer', 'API process', 'Redis', 'Database', 'API / floor'],
    [
      'Hold, scale-out',
      formatMicros(hot.api) + target(hot.api, 300),
      formatMicros(hot.redis),
      formatMicros(hot.database),
      ratio(hot.api, floorHold),
    ],
    [
      'Hold with max_per_customer, scale-out',
      formatMicros(limited.api),
      formatMicros(limited.redis),
      formatMicros(limited.database),
      ratio(limited.api, floorHold),
    ],
    [
      `Hold with a verified ES256 token (${r.verifiedBuyers.buyers} buyers x ${r.verifiedBuyers.usesPerToken})`,
      formatMicros(r.verifiedBuyers.jwt.cpuMicrosPerRequest.api),
      '',
      '',
      ratio(r.verifiedBuyers.jwt.cpuMicrosPerRequest.api, floorHold),
    ],
    [
      '   same, BUYER_AUTH=off (customer_id in the body)',
      formatMicros(r.verifiedBuyers.off.cpuMicrosPerRequest.api),
      '',
      '',
      ratio(r.verifiedBuyers.off.cpuMicrosPerRequest.api, floorHold),
    ],
    [
      '   verified token costs more per hold',
      formatMicros(r.verifiedBuyers.apiCpuMicrosMorePerHold) +
        target(r.verifiedBuyers.apiCpuMicrosMorePerHold, 25),
      '',
      '',
      '',
    ],
    ['Hold, embedded', formatMicros(eHot.api) + target(eHot.api, 300), '', '', ratio(eHot.api, floorHold)],
    [
      'Cached read, scale-out',
      formatMicros(read.api) + target(read.api, 90),
      formatMicros(read.redis),
      formatMicros(read.database),
      ratio(read.api, floorRead),
    ],
    [
      'Cached read, embedded',
      formatMicros(eRead.api) + target(eRead.api, 90),
      '',
      '',
      ratio(eRead.api, floorRead),
    ],
    ['Floor: Nest+Fastify POST + ValidationPipe', formatMicros(floorHold), '', '', '1x'],
    ['Floor: Nest+Fastify GET', formatMicros(floorRead), '', '', '1x'],
  ];
  const widths = [0, 1, 2, 3, 4].map((column) => Math.max(...rows.map((row) => row[column].length)));
  console.log(`\nCPU time per answered request (${process.version})`);
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  '));
  console.log(`Redis + database per hold: ${formatMicros(backing)}${target(backing, 100)}`);
}

/** The scenarios both modes ran, side by side. */
function reportModes(r: Results) {
  const e = r.embedded;
  const rows: Array<[string, string, string]> = [
    ['', 'MariaDB + Redis', 'Embedded (SQLite)'],
    ['Hot product holds/s (64 conn)', `${r.hotProduct.perSecond}`, `${e.hotProduct.perSecond}`],
    [
      '   p50 / p99 latency (ms)',
      `${r.hotProduct.p50} / ${r.hotProduct.p99}`,
      `${e.hotProduct.p50} / ${e.hotProduct.p99}`,
    ],
    [
      '   errors / non-2xx',
      `${r.hotProduct.errors} / ${r.hotProduct.non2xx}`,
      `${e.hotProduct.errors} / ${e.hotProduct.non2xx}`,
    ],
    [
      '   units taken = in stored holds',
      `${r.hotProduct.accounting.unitsTaken} = ${r.hotProduct.accounting.unitsInStoredHolds}`,
      `${e.hotProduct.accounting.unitsTaken} = ${e.hotProduct.accounting.unitsInStoredHolds}`,
    ],
    [
      `Sell-out ${r.sellOut.accounting.units} units (s)`,
      r.sellOut.seconds.toFixed(2),
      e.sellOut.seconds.toFixed(2),
    ],
    [
      '   units held / oversell',
      `${r.sellOut.accounting.unitsHeld} / ${r.sellOut.accounting.oversell}`,
      `${e.sellOut.accounting.unitsHeld} / ${e.sellOut.accounting.oversell}`,
    ],
    [
      'Reads req/s (p99 ms)',
      `${r.reads.app.perSecond} (${r.reads.app.p99})`,
      `${e.reads.perSecond} (${e.reads.p99})`,
    ],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)));
  console.log('\nBoth modes, same run');
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  '));
}

function round(value: number) {
  return Math.round(value * 100) / 100;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

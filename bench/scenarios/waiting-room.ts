import { randomBytes } from 'node:crypto';
import { ChildProcess, fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Connection } from 'mysql2/promise';
import { startApp } from '../lib/app-process';
import { measureCpu, procMeter } from '../lib/cpu';
import { BENCH_DB, connect } from '../lib/database';
import { load, type LoadResult } from '../lib/http-load';
import { descriptorLimit, openDescriptors, residentBytes } from '../lib/proc-status';
import { QueryCountingProxy } from '../lib/query-counting-proxy';

/*
 * The waiting room (issue 24's scale targets), on an API process of its own whose database
 * connections go through a proxy that counts statements:
 *  1. Joining: `joins` distinct buyers join one queue product, against GET of the same product
 *     (the baseline request) on the same process in the same run: API CPU per join.
 *  2. Admissions cost no database round trip: statements over a window with (almost) no
 *     admissions, then over as long a window with hundreds, and nothing else asking the process.
 *  3. Ticket streams: one stream per ticket of the joined line (as many as the process's
 *     open-file limit allows), held while holds on another product run and the line admits
 *     a few hundred: RSS, CPU per stream-second, and from each admission decision to its
 *     `event: queue` showing `admitted` at the client.
 * Run with the main app stopped: every API process of a database admits from the shared lines,
 * and only this process's statements are counted.
 */

export interface WaitingRoomProfile {
  joins: number;
  warmupJoins: number;
  /** Tickets of the database-round-trip line, and the length of each of its two windows. */
  roundTripTickets: number;
  roundTripSeconds: number;
  streams: number;
  idleSeconds: number;
  streamSeconds: number;
  /** The line's pace while the streams are timed: a few hundred admissions in streamSeconds. */
  streamAdmitPerMinute: number;
  connections: number;
  warmupSeconds: number;
}

/** Admissions stay good for the whole run (and its decision time is expires_at minus this). */
const ADMISSION_SECONDS = 3_600;
/** Streams per client process: each stream is a descriptor there too. */
const STREAMS_PER_CLIENT_PROCESS = 8_000;
/** Descriptors the API process keeps for everything but the streams (pool, Redis, the hold load). */
const API_SPARE_DESCRIPTORS = 300;

export async function waitingRoom(options: {
  appEnv: Record<string, string>;
  port: number;
  database: string;
  profile: WaitingRoomProfile;
}) {
  const { profile } = options;
  const proxy = new QueryCountingProxy(BENCH_DB.host, BENCH_DB.port);
  const proxyPort = await proxy.start();
  const db = await connect(options.database);
  const failures: string[] = [];
  const app = await startApp(
    {
      ...options.appEnv,
      DB_HOST: '127.0.0.1',
      DB_PORT: String(proxyPort),
      // The main app (stopped by now) ran the expiry worker; this process is an API only.
      WORKER_ENABLED: 'false',
      // The limits the ticket streams need (every stream comes from this machine).
      STREAM_MAX_CONNECTIONS: '1000000',
      STREAM_MAX_PER_CLIENT: '1000000',
      // Tickets of the round-trip line are never seen again; nobody is skipped as abandoned.
      QUEUE_ABANDON_SECONDS: '86400',
    },
    options.port,
  );
  try {
    const api = procMeter(app.pid);
    const measureApi = <T extends { ok: number }>(work: () => Promise<T>) => measureCpu({ api }, work);

    // 1. Joining, against GET of the product.
    const warmId = await createQueueProduct(db, profile.streamAdmitPerMinute);
    const lineId = await createQueueProduct(db, profile.streamAdmitPerMinute);
    const joins = await measureJoins({
      appUrl: app.url,
      pid: app.pid,
      warmId,
      lineId,
      ...profile,
      label: 'waiting room',
      statements: () => proxy.count,
    });
    failures.push(...joins.failures);

    // 2. Statements per window, without and with admissions.
    const roundTrips = await admissionRoundTrips(app.url, db, proxy, profile);
    if (roundTrips.busy.admissions === 0) failures.push('waiting room: the busy window admitted nobody');

    // The hold the sale is made of, on this process: the baseline the stream window's CPU is net of.
    const holdId = await createPlainProduct(db);
    const holdRequest = {
      url: `${app.url}/api/holds`,
      method: 'POST' as const,
      body: { product_id: holdId, quantity: 1 },
    };
    await load({ ...holdRequest, connections: profile.connections, durationSeconds: profile.warmupSeconds });
    const hold = await measureApi(() =>
      load({ ...holdRequest, connections: profile.connections, durationSeconds: profile.warmupSeconds * 2 }),
    );

    // 3. Ticket streams on the joined line.
    const streams = await ticketStreams({
      app,
      db,
      lineId,
      holdRequest,
      holdMicros: hold.cpuMicrosPerRequest.api,
      tickets: joins.tickets,
      profile,
    });
    failures.push(...streams.failures);

    return {
      joins: joins.figures,
      hold: { apiCpuMicrosPerRequest: hold.cpuMicrosPerRequest.api, perSecond: hold.perSecond },
      admissionRoundTrips: roundTrips,
      streams: { ...streams, failures: undefined },
      failures,
    };
  } finally {
    await app.stop();
    await proxy.stop();
    await db.end();
  }
}

/**
 * `joins` distinct buyers join the line (after `warmupJoins` on another line and a warm-up of
 * the reads), against as many GETs of the product: API CPU per join, and its ratio to the read
 * measured on the same process in the same run. `statements`: the proxy's count, when the
 * process's database goes through one.
 */
export async function measureJoins(options: {
  appUrl: string;
  pid: number | undefined;
  warmId: number;
  lineId: number;
  joins: number;
  warmupJoins: number;
  connections: number;
  warmupSeconds: number;
  label: string;
  statements?: () => number;
}) {
  const api = procMeter(options.pid);
  const measureApi = <T extends { ok: number }>(work: () => Promise<T>) => measureCpu({ api }, work);
  await joinLine(options.appUrl, options.warmId, 'warmup', options.warmupJoins, options.connections);
  const path = `/api/products/${options.lineId}`;
  await load({
    url: `${options.appUrl}${path}`,
    connections: options.connections,
    durationSeconds: options.warmupSeconds,
  });
  const read = await measureApi(() =>
    run(options.appUrl, options.connections, options.joins, () => ({ method: 'GET', path })),
  );
  const statementsBefore = options.statements?.() ?? 0;
  const joined = await measureApi(() =>
    joinLine(options.appUrl, options.lineId, 'buyer', options.joins, options.connections),
  );
  const statements = options.statements ? options.statements() - statementsBefore : null;
  const failures: string[] = [];
  if (joined.created !== options.joins || joined.errors > 0) {
    failures.push(
      `${options.label}: ${joined.created} of ${options.joins} joins answered 201 (${joined.errors} errors, ${joined.non2xx} non-2xx)`,
    );
  }
  const joinApi = joined.cpuMicrosPerRequest.api;
  const readApi = read.cpuMicrosPerRequest.api;
  return {
    figures: {
      buyers: options.joins,
      created: joined.created,
      perSecond: joined.perSecond,
      p50: joined.p50,
      p99: joined.p99,
      errors: joined.errors,
      non2xx: joined.non2xx,
      apiCpuMicrosPerJoin: joinApi,
      databaseStatementsPerJoin: statements === null ? null : round(statements / Math.max(1, joined.created)),
      baselineRead: { apiCpuMicrosPerRequest: readApi, perSecond: read.perSecond },
      joinToReadRatio: joinApi === null || !readApi ? null : round(joinApi / readApi),
    },
    tickets: joined.tickets,
    failures,
  };
}

/**
 * A queue product (first come first served: no draw) whose sale starts tomorrow: buyers may join,
 * nobody is admitted until startSale. A new pace would apply only after the slot already planned
 * (up to a minute at a slow pace), so each line gets its pace here and is paced by its start.
 */
export async function createQueueProduct(db: Connection, admitPerMinute: number): Promise<number> {
  const [inserted] = await db.query(
    `INSERT INTO products (name, total_stock, available_stock, price, max_per_customer, queue_enabled,
       queue_admit_per_minute, queue_admission_seconds, sale_starts_at, created_at, updated_at)
     VALUES (?, ?, ?, '9.99', 5, 1, ?, ?, NOW(3) + INTERVAL 1 DAY, NOW(3), NOW(3))`,
    [`Bench queue product ${Date.now()}`, 100_000_000, 100_000_000, admitPerMinute, ADMISSION_SECONDS],
  );
  return (inserted as { insertId: number }).insertId;
}

/** The admission ticker reads the products every tick: the line moves within 250 ms. */
async function startSale(db: Connection, productId: number): Promise<void> {
  await db.query('UPDATE products SET sale_starts_at = NOW(3) WHERE id = ?', [productId]);
}

/** Back to tomorrow (a bench-only move): the line stands still again. */
async function stopSale(db: Connection, productId: number): Promise<void> {
  await db.query('UPDATE products SET sale_starts_at = NOW(3) + INTERVAL 1 DAY WHERE id = ?', [productId]);
}

async function createPlainProduct(db: Connection): Promise<number> {
  const [inserted] = await db.query(
    `INSERT INTO products (name, total_stock, available_stock, price, created_at, updated_at)
     VALUES (?, 100000000, 100000000, '9.99', NOW(3), NOW(3))`,
    [`Bench sale product ${Date.now()}`],
  );
  return (inserted as { insertId: number }).insertId;
}

async function admittedSoFar(appUrl: string, productId: number): Promise<number> {
  const response = await fetch(`${appUrl}/api/products/${productId}/queue`);
  return ((await response.json()) as { data: { admitted: number } }).data.admitted;
}

/** `count` distinct buyers (`<prefix>_<i>`, each with its own nonce) join the product's line. */
async function joinLine(
  appUrl: string,
  productId: number,
  prefix: string,
  count: number,
  connections: number,
) {
  const bodies = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ customer_id: `${prefix}_${i}`, nonce: randomBytes(16).toString('base64url') }),
  );
  const tickets: Array<{ id: string; position: number }> = [];
  let created = 0;
  let next = 0;
  const result = await run(
    appUrl,
    connections,
    count,
    () => ({
      method: 'POST',
      path: `/api/products/${productId}/queue`,
      headers: { 'content-type': 'application/json' },
      body: bodies[next++ % count],
    }),
    (status, body) => {
      if (status !== 201) return;
      created++;
      const ticket = (JSON.parse(body) as { data: { ticket_id: string; position: number } }).data;
      tickets.push({ id: ticket.ticket_id, position: ticket.position });
    },
  );
  return { ...result, created, tickets: tickets.sort((a, b) => a.position - b.position) };
}

/**
 * Statements through the proxy over two windows of the same length, nothing but the admission
 * ticker at work in the process: one before the sale starts (the line standing still), one
 * after, admitting the whole line. The
 * ticker reads the queued products once per tick; a decision per ticket costing a round trip
 * would show as statements growing with admissions.
 */
async function admissionRoundTrips(
  appUrl: string,
  db: Connection,
  proxy: QueryCountingProxy,
  profile: WaitingRoomProfile,
) {
  const windowMs = profile.roundTripSeconds * 1000;
  // A pace that admits the whole line within the first half of the busy window.
  const busyPace = Math.min(1_000_000, Math.ceil((profile.roundTripTickets * 60_000) / (windowMs / 2)));
  const lineId = await createQueueProduct(db, busyPace);
  await joinLine(appUrl, lineId, 'line', profile.roundTripTickets, 16);
  const window = async () => {
    const before = proxy.count;
    const started = Date.now();
    await sleep(windowMs);
    return { statements: proxy.count - before, seconds: (Date.now() - started) / 1000 };
  };
  await sleep(500);
  const admitted0 = await admittedSoFar(appUrl, lineId);
  const still = await window();
  const admitted1 = await admittedSoFar(appUrl, lineId);
  await startSale(db, lineId);
  const busy = await window();
  await stopSale(db, lineId);
  const admitted2 = await admittedSoFar(appUrl, lineId);
  const shape = (w: { statements: number; seconds: number }, admissions: number) => ({
    ...w,
    admissions,
    statementsPerSecond: round(w.statements / w.seconds),
  });
  const stillWindow = shape(still, admitted1 - admitted0);
  const busyWindow = shape(busy, admitted2 - admitted1);
  const extra = busyWindow.statements - (stillWindow.statements * busy.seconds) / still.seconds;
  return {
    tickets: profile.roundTripTickets,
    busyPacePerMinute: busyPace,
    still: stillWindow,
    busy: busyWindow,
    /** Statements the busy window made beyond the still one's rate, per admission (0: none). */
    statementsPerAdmission:
      busyWindow.admissions === 0 ? null : round(Math.max(0, extra) / busyWindow.admissions),
  };
}

interface StreamsInput {
  app: { url: string; pid: number | undefined };
  db: Connection;
  lineId: number;
  holdRequest: { url: string; method: 'POST'; body: unknown };
  holdMicros: number | null;
  tickets: Array<{ id: string; position: number }>;
  profile: WaitingRoomProfile;
}

async function ticketStreams(input: StreamsInput) {
  const { app, profile } = input;
  const failures: string[] = [];
  const probe = await fetch(`${app.url}/api/products/${input.lineId}/queue/${input.tickets[0]?.id}/stream`, {
    headers: { accept: 'text/event-stream' },
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => ({ status: 0, error, body: null }) as const);
  await probe.body?.cancel();
  if (probe.status !== 200) {
    return {
      measured: false as const,
      why: `the ticket stream answered ${probe.status || 'nothing'}`,
      failures,
    };
  }

  // Each stream is a descriptor in the API process: as many as its limit leaves room for.
  const limit = descriptorLimit(app.pid) ?? Infinity;
  const inUse = openDescriptors(app.pid) ?? 0;
  const room = limit - inUse - profile.connections - API_SPARE_DESCRIPTORS;
  const count = Math.max(0, Math.min(profile.streams, input.tickets.length, room));
  const cappedBy = count < profile.streams ? `the API process's open-file limit (${limit})` : null;
  const tickets = input.tickets.slice(0, count);

  const rssBefore = residentBytes(app.pid);
  const groups: Array<Array<{ id: string; position: number }>> = [];
  for (let at = 0; at < tickets.length; at += STREAMS_PER_CLIENT_PROCESS) {
    groups.push(tickets.slice(at, at + STREAMS_PER_CLIENT_PROCESS));
  }
  const openStarted = Date.now();
  const children = await Promise.all(
    groups.map(async (group, index) => {
      const child = fork(join(__dirname, '..', 'lib', 'ticket-stream-clients.ts'), [], {
        execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
        env: {
          ...process.env,
          APP_URL: app.url,
          PRODUCT_ID: String(input.lineId),
          SOURCE_OFFSET: String(index),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await nextMessage(child, 'started');
      const ready = nextMessage<{ opened: number; refusals: Record<string, number>; events: number }>(
        child,
        'ready',
      );
      child.send({ type: 'open', tickets: group.map((ticket) => ticket.id) });
      return { child, exited, ready: await ready };
    }),
  );
  const openSeconds = (Date.now() - openStarted) / 1000;
  const opened = children.reduce((sum, c) => sum + c.ready.opened, 0);
  const refusals: Record<string, number> = {};
  for (const { ready } of children) {
    for (const [why, n] of Object.entries(ready.refusals)) refusals[why] = (refusals[why] ?? 0) + n;
  }
  if (opened < count) {
    failures.push(`waiting room: ${opened} of ${count} ticket streams opened (${JSON.stringify(refusals)})`);
  }
  await sleep(1_000);
  const rssWithStreams = residentBytes(app.pid);
  const api = procMeter(app.pid);

  // Held: the line standing still, nothing else asked.
  const idleCpu0 = await api();
  const idleStarted = Date.now();
  await sleep(profile.idleSeconds * 1000);
  const idleCpu1 = await api();
  const idleSeconds = (Date.now() - idleStarted) / 1000;

  // The sale: holds on another product, and the line admitting a few hundred.
  const admittedBefore = await admittedSoFar(app.url, input.lineId);
  const loadBefore = loadavg()[0];
  const cpu0 = await api();
  const started = Date.now();
  await startSale(input.db, input.lineId);
  const holds = await load({
    ...input.holdRequest,
    connections: profile.connections,
    durationSeconds: profile.streamSeconds,
  });
  await stopSale(input.db, input.lineId);
  const cpu1 = await api();
  const seconds = (Date.now() - started) / 1000;
  const admittedAfter = await admittedSoFar(app.url, input.lineId);
  const rssAfter = residentBytes(app.pid);
  const descriptorsAfter = openDescriptors(app.pid);
  const loadAfter = loadavg()[0];

  // Every streamed ticket within the admitted prefix of the line must see its admission.
  const results = await Promise.all(
    children.map(async ({ child, exited }, index) => {
      // The line admits strictly in order: positions 1..admittedAfter are admitted.
      const expected = groups[index].filter((t) => t.position <= admittedAfter).map((t) => t.id);
      const result = nextMessage<{
        opened: number;
        ended: number;
        events: number;
        admittedLive: Array<{ at: number; expiresAt: string }>;
        admittedBeforeOpen: number;
        missing: number;
      }>(child, 'result');
      child.send({ type: 'finish', expected });
      const answer = await result;
      await exited;
      return answer;
    }),
  );
  const delays = results.flatMap((r) =>
    r.admittedLive.map((a) => a.at - (Date.parse(a.expiresAt) - ADMISSION_SECONDS * 1000)),
  );
  const ended = results.reduce((sum, r) => sum + r.ended, 0);
  const missing = results.reduce((sum, r) => sum + r.missing, 0);
  const events = results.reduce((sum, r) => sum + r.events, 0);
  const eventsInWindow = events - children.reduce((sum, c) => sum + c.ready.events, 0);
  if (missing > 0) {
    failures.push(`waiting room: ${missing} admitted tickets' streams never showed the admission`);
  }
  if (ended > 0) failures.push(`waiting room: ${ended} ticket streams ended while held`);

  const cpu = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const idleCpu = cpu(idleCpu0, idleCpu1);
  const saleCpu = cpu(cpu0, cpu1);
  const holdsCost = input.holdMicros === null ? null : input.holdMicros * holds.ok;
  return {
    measured: true as const,
    wanted: profile.streams,
    streams: opened,
    cappedBy,
    refusals,
    openSeconds: round(openSeconds),
    rssBeforeMB: mb(rssBefore),
    rssWithStreamsMB: mb(rssWithStreams),
    rssAfterSaleMB: mb(rssAfter),
    rssKBPerStream:
      rssBefore === null || rssWithStreams === null || opened === 0
        ? null
        : round((rssWithStreams - rssBefore) / 1024 / opened),
    idle: {
      seconds: round(idleSeconds),
      apiCpuMicrosPerStreamSecond:
        idleCpu === null || opened === 0 ? null : round(idleCpu / opened / idleSeconds),
    },
    sale: {
      seconds: round(seconds),
      admitPerMinute: profile.streamAdmitPerMinute,
      admitted: admittedAfter - admittedBefore,
      holds: {
        perSecond: holds.perSecond,
        p50: holds.p50,
        p99: holds.p99,
        errors: holds.errors,
        non2xx: holds.non2xx,
      },
      eventsDelivered: eventsInWindow,
      // How much of a core the API process got: on an oversubscribed machine the delays below
      // are mostly waiting for a CPU, and this says how much.
      apiCores: saleCpu === null ? null : round(saleCpu / 1e6 / seconds),
      loadAverage: { before: round(loadBefore), after: round(loadAfter) },
      apiDescriptorsAfter: descriptorsAfter,
      // API CPU of the window minus the holds' own cost (this process's hold baseline), per
      // stream-second and per event delivered.
      apiCpuMicrosPerStreamSecond:
        saleCpu === null || holdsCost === null || opened === 0
          ? null
          : round(Math.max(0, saleCpu - holdsCost) / opened / seconds),
      apiCpuMicrosPerEvent:
        saleCpu === null || holdsCost === null || eventsInWindow === 0
          ? null
          : round(Math.max(0, saleCpu - holdsCost) / eventsInWindow),
    },
    admissionToEvent: {
      timed: delays.length,
      admittedBeforeOpen: results.reduce((sum, r) => sum + r.admittedBeforeOpen, 0),
      missing,
      p50Ms: percentile(delays, 50),
      p99Ms: percentile(delays, 99),
      maxMs: delays.length === 0 ? NaN : Math.max(...delays),
    },
    ended,
    failures,
  };
}

/** `amount` requests over `connections`, each shaped by `shape()`; `ok` counts 2xx answers. */
async function run(
  url: string,
  connections: number,
  amount: number,
  shape: () => { method: string; path: string; headers?: Record<string, string>; body?: string },
  onResponse?: (status: number, body: string) => void,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    amount,
    requests: [
      {
        ...shape(),
        onResponse,
        setupRequest: (request) => {
          const next = shape();
          return { ...request, ...next, headers: { ...request.headers, ...next.headers } };
        },
      },
    ],
  });
  const durationSeconds = result.duration || 1;
  return {
    ok: result['2xx'],
    perSecond: Math.round(result['2xx'] / durationSeconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationSeconds,
  };
}

function nextMessage<T = unknown>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new Error(`ticket stream clients exited (${code}) before '${type}'`)),
    );
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number) => Math.round(value * 100) / 100;
const mb = (bytes: number | null) => (bytes === null ? null : Math.round(bytes / 1024 / 1024));

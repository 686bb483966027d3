import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { join } from 'node:path';
import { CpuMeter } from '../lib/cpu';
import { load, LoadResult } from '../lib/http-load';

/*
 * Live stock fan-out: N stream clients on one product while the hot-product hold load runs
 * on it. Each client also watches a second product on the same stream (the sale board's
 * multi-product stream), changed only by probe holds, one every PROBE_INTERVAL_MS: a probe is
 * timed from its answer to the moment each client has an event showing its stock, which is
 * exact because nothing else changes that product. The clients run in a process of their own.
 */

const PROBE_INTERVAL_MS = 500;
/** Descriptors kept for everything else (database pool, Redis, autocannon, the probes). */
const SPARE_DESCRIPTORS = 1_000;

export interface FanOutResult {
  clients: number;
  /** Clients asked for but not opened: the process's open-file limit was lower. */
  cappedBy: string | null;
  holds: LoadResult;
  probes: number;
  /** Hold answer -> the last client has it, per probe. */
  lastClientMs: { p50: number; p99: number; max: number };
  /** Hold answer -> each client has it, over every client and probe. */
  everyClientMs: { p50: number; p99: number };
  eventsDelivered: number;
  eventsPerSecond: number;
  /** The API process's CPU over the run, minus the holds' own cost, per event delivered. */
  apiCpuMicrosPerEvent: number | null;
  clientsMissingAProbe: number;
}

export async function fanOut(options: {
  appUrl: string;
  productId: number;
  /** A second product on the same streams; only the probe holds change it. */
  probeProductId: number;
  probeStock: number;
  clients: number;
  connections: number;
  durationSeconds: number;
  apiMeter: CpuMeter;
  /** API CPU per hold without streams (the hot-product scenario), to take out of the total. */
  apiMicrosPerHold: number | null;
}): Promise<FanOutResult> {
  const { count, cappedBy } = clientBudget(options.clients);
  const child = fork(join(__dirname, '..', 'lib', 'stream-clients.ts'), [], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    env: {
      ...process.env,
      STREAM_URL: `${options.appUrl}/api/products/stream?ids=${options.productId},${options.probeProductId}`,
      STREAM_CLIENTS: String(count),
      PROBE_PRODUCT_ID: String(options.probeProductId),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await nextMessage<{ events: number }>(child, 'ready');

  const cpuBefore = await options.apiMeter();
  const started = Date.now();
  let probing = true;
  let probeStock = options.probeStock;
  let probeCount = 0;
  const probes = (async () => {
    while (probing) {
      const response = await fetch(`${options.appUrl}/api/holds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ product_id: options.probeProductId, quantity: 1 }),
      });
      await response.arrayBuffer();
      if (response.status === 201) {
        probeStock -= 1;
        probeCount++;
        child.send({ type: 'probe', answeredAt: Date.now(), expected: probeStock });
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  })();
  const holds = await load({
    url: `${options.appUrl}/api/holds`,
    method: 'POST',
    body: { product_id: options.productId, quantity: 1 },
    connections: options.connections,
    durationSeconds: options.durationSeconds,
  });
  probing = false;
  await probes;
  const cpuAfter = await options.apiMeter();
  const seconds = (Date.now() - started) / 1000;
  child.send({ type: 'finish' });
  const result = await nextMessage<{
    events: number;
    lastClient: number[];
    everyClient: number[];
    missing: number;
  }>(child, 'result');
  await exited;

  const eventsDelivered = result.events - ready.events;
  const apiCpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const holdsCost =
    options.apiMicrosPerHold === null ? null : options.apiMicrosPerHold * (holds.ok + probeCount);
  return {
    clients: count,
    cappedBy,
    holds,
    probes: probeCount,
    lastClientMs: {
      p50: percentile(result.lastClient, 50),
      p99: percentile(result.lastClient, 99),
      max: Math.max(0, ...result.lastClient),
    },
    everyClientMs: { p50: percentile(result.everyClient, 50), p99: percentile(result.everyClient, 99) },
    eventsDelivered,
    eventsPerSecond: Math.round(eventsDelivered / seconds),
    apiCpuMicrosPerEvent:
      apiCpu === null || holdsCost === null || eventsDelivered === 0
        ? null
        : Math.round((Math.max(0, apiCpu - holdsCost) / eventsDelivered) * 10) / 10,
    clientsMissingAProbe: result.missing,
  };
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`stream clients exited (${code}) before '${type}'`)));
  });
}

/**
 * Each stream is a descriptor here and one in the API process (same limit, inherited): ask
 * for fewer clients than the open-file limit allows, and say so. `npm run bench` raises the
 * soft limit to the hard one first.
 */
function clientBudget(wanted: number): { count: number; cappedBy: string | null } {
  let limit = Infinity;
  try {
    limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || Infinity;
  } catch {
    // unknown: try them all
  }
  const count = Math.max(1, Math.min(wanted, limit - SPARE_DESCRIPTORS));
  return { count, cappedBy: count < wanted ? `ulimit -n ${limit}` : null };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

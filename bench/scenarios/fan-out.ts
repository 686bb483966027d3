import { execFileSync } from 'node:child_process';
import { SseClient } from '../../test/utils/sse-client';
import { CpuMeter } from '../lib/cpu';
import { load, LoadResult } from '../lib/http-load';

/*
 * Live stock fan-out: N stream clients on one product while the hot-product hold load runs
 * on it. Probe holds, one every PROBE_INTERVAL_MS, are timed from their answer to the moment
 * each client has an event read after that answer (event ids are the millisecond clock of
 * the read, on this same machine): the delay a buyer watching the page sees.
 */

const PROBE_INTERVAL_MS = 500;
/** Clients connect in groups, so the listen backlog never overflows. */
const CONNECT_GROUP = 250;
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
  clients: number;
  connections: number;
  durationSeconds: number;
  apiMeter: CpuMeter;
  /** API CPU per hold without streams (the hot-product scenario), to take out of the total. */
  apiMicrosPerHold: number | null;
}): Promise<FanOutResult> {
  const { count, cappedBy } = clientBudget(options.clients);
  const url = `${options.appUrl}/api/products/${options.productId}/stream`;
  const clients: SseClient[] = [];
  for (let opened = 0; opened < count; opened += CONNECT_GROUP) {
    const group = Array.from({ length: Math.min(CONNECT_GROUP, count - opened) }, () => new SseClient(url));
    await Promise.all(group.map((client) => client.opened));
    await Promise.all(
      group.map((client) => client.waitFor((c) => c.events.length > 0, 30_000, 'the first event')),
    );
    clients.push(...group);
  }
  const refused = clients.filter((client) => client.status !== 200).length;
  if (refused > 0) throw new Error(`fan-out: ${refused} stream clients refused`);

  const eventsBefore = clients.reduce((sum, client) => sum + client.events.length, 0);
  const cpuBefore = await options.apiMeter();
  const probeAnswers: number[] = [];
  let probing = true;
  const probes = (async () => {
    while (probing) {
      const response = await fetch(`${options.appUrl}/api/holds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ product_id: options.productId, quantity: 1 }),
      });
      await response.arrayBuffer();
      if (response.status === 201) probeAnswers.push(Date.now());
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
  // The last probe's answer reaches every client (or the wait gives up and counts it missing).
  const lastProbe = probeAnswers[probeAnswers.length - 1] ?? 0;
  await Promise.all(
    clients.map((client) =>
      client.waitFor((c) => (c.last?.id ?? 0) >= lastProbe, 10_000, 'the last probe').catch(() => undefined),
    ),
  );
  const cpuAfter = await options.apiMeter();
  const eventsDelivered = clients.reduce((sum, client) => sum + client.events.length, 0) - eventsBefore;
  clients.forEach((client) => client.close());

  const lastClient: number[] = [];
  const everyClient: number[] = [];
  let clientsMissingAProbe = 0;
  for (const client of clients) {
    let missing = false;
    probeAnswers.forEach((answeredAt, index) => {
      const seen = client.events.find((event) => event.id >= answeredAt);
      if (!seen) {
        missing = true;
        return;
      }
      const delay = seen.at - answeredAt;
      everyClient.push(delay);
      lastClient[index] = Math.max(lastClient[index] ?? 0, delay);
    });
    if (missing) clientsMissingAProbe++;
  }
  const seconds = holds.durationSeconds;
  const apiCpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const holdsCost =
    options.apiMicrosPerHold === null ? null : options.apiMicrosPerHold * (holds.ok + probeAnswers.length);
  return {
    clients: count,
    cappedBy,
    holds,
    probes: probeAnswers.length,
    lastClientMs: {
      p50: percentile(lastClient, 50),
      p99: percentile(lastClient, 99),
      max: Math.max(0, ...lastClient),
    },
    everyClientMs: { p50: percentile(everyClient, 50), p99: percentile(everyClient, 99) },
    eventsDelivered,
    eventsPerSecond: Math.round(eventsDelivered / seconds),
    apiCpuMicrosPerEvent:
      apiCpu === null || holdsCost === null || eventsDelivered === 0
        ? null
        : Math.round((Math.max(0, apiCpu - holdsCost) / eventsDelivered) * 10) / 10,
    clientsMissingAProbe,
  };
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

import autocannon from 'autocannon';

export interface LoadResult {
  ok: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  durationSeconds: number;
}

/** autocannon with the figures the report needs; `ok` counts 2xx answers only. */
export async function load(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  body?: unknown;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: options.method ?? 'GET',
    headers: { 'content-type': 'application/json' },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const durationSeconds = result.duration || options.durationSeconds;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Lets requests still in flight when a load run ends finish before the books are read: waits
 * until `storedHolds` stops changing (on a loaded machine the last answers may take well over
 * a second), at most 30 s.
 */
export async function settle(storedHolds: () => Promise<number>): Promise<void> {
  await sleep(500);
  let last = await storedHolds();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    await sleep(500);
    const now = await storedHolds();
    if (now === last) return;
    last = now;
  }
}

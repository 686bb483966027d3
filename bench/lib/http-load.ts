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

/** Lets requests still in flight when a load run ends finish before the books are read. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000));
}

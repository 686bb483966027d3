import { join } from 'node:path';
import { startProcess, waitUntilReady } from '../lib/app-process';
import { measureCpu, procMeter } from '../lib/cpu';
import { load } from '../lib/http-load';

/**
 * The minimal Nest 11 + Fastify app (bench/floor/main.ts) under the same load as ours: a
 * POST through a global ValidationPipe and a GET. Its CPU per request is the framework's
 * floor that the report divides ours by.
 */
export async function frameworkFloor(
  profile: { warmupSeconds: number; hotSeconds: number; readSeconds: number; connections: number },
  port: number,
) {
  const floor = await startProcess(
    ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'floor', 'main.ts')],
    {
      PORT: String(port),
      TS_NODE_TRANSPILE_ONLY: 'true',
    },
  );
  try {
    const base = `http://127.0.0.1:${port}/api`;
    await waitUntilReady(`${base}/products/1`);
    const meters = { api: procMeter(floor.pid) };
    const post = {
      url: `${base}/holds`,
      method: 'POST' as const,
      body: { product_id: 1, quantity: 1 },
      connections: profile.connections,
    };
    await load({ ...post, durationSeconds: profile.warmupSeconds });
    const hold = await measureCpu(meters, () => load({ ...post, durationSeconds: profile.hotSeconds }));
    const get = { url: `${base}/products/1`, connections: profile.connections };
    await load({ ...get, durationSeconds: profile.warmupSeconds });
    const read = await measureCpu(meters, () => load({ ...get, durationSeconds: profile.readSeconds }));
    return { hold, read };
  } finally {
    await floor.stop();
  }
}

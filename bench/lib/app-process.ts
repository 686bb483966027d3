import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface AppProcess {
  url: string;
  /** For the CPU meter (/proc/<pid>/stat). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the built app (`node dist/main.js`) as its own process, as production runs it, and
 * waits until it answers. Logs go to /dev/null: the level stays what production uses.
 */
export async function startApp(env: Record<string, string>, port: number): Promise<AppProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    // The load comes from one address: the per-IP rate limit (RATE_LIMIT_PER_MINUTE) is off.
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(`${url}/api/products?per_page=1`, child, () => stderr);
  return { url, pid: child.pid, stop: () => stopProcess(child) };
}

export function startProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  return Promise.resolve({ pid: child.pid, stop: () => stopProcess(child) });
}

export async function waitUntilReady(
  url: string,
  child?: ChildProcess,
  stderr = () => '',
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${stderr()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

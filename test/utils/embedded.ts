import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { UnitOfWork } from '../../src/database/unit-of-work';
import type { TestApp } from './test-app';

/** Specs that start processes of their own import it from here with the other helpers. */
export { sparePort } from './ports';

export const ROOT = join(__dirname, '..', '..');

/**
 * Runs a test's own database access between the app's units of work. On SQLite every
 * query runner shares one connection, so a read from the test while a sweep is half done
 * would see its uncommitted rows, and a transaction from the test would collide with it.
 */
export function betweenUnits<T>(t: TestApp, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  return t.app.get(UnitOfWork).read(() => work(t.dataSource));
}

/**
 * Only what a shell on a fresh machine has: no DB_* or REDIS_* (nor the test's own settings).
 * Logs at info, so a process's output says why it stopped.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...extra };
}

export interface ChildRun {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `src/<entry>.ts` as its own process (ts-node, no build), from a scratch folder so a
 * developer's `.env` in the project never leaks in.
 */
export function runEntry(
  entry: 'main' | 'worker' | 'cli/reset-database' | 'cli/audit-stock',
  env: Record<string, string>,
): ChildRun {
  const cwd = mkdtempSync(join(tmpdir(), 'flash-sale-cwd-'));
  const child = spawn(
    process.execPath,
    ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'src', `${entry}.ts`)],
    { cwd, env: { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.once('exit', () => rmSync(cwd, { recursive: true, force: true }));
  return track(child);
}

export function track(child: ChildProcess): ChildRun {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Stops a child that is still running (SIGKILL after `graceMs`) and waits for it. */
export async function stop(run: ChildRun | undefined, graceMs = 10_000): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
  run.child.kill('SIGTERM');
  await run.exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200 with a body `accept` takes, the child exits, or the deadline passes. */
export async function waitForAnswer(
  url: string,
  run: ChildRun,
  deadline: number,
  accept: (body: unknown) => boolean = () => true,
): Promise<unknown> {
  while (Date.now() < deadline && run.child.exitCode === null) {
    try {
      const response = await fetch(url);
      if (response.ok) {
        const body: unknown = await response.json();
        if (accept(body)) return body;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${url} gave no accepted answer (exit ${run.child.exitCode}):\n${run.output().slice(-3000)}`,
  );
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { connect } from './database';

/*
 * CPU time per answered request, per process: the figure that decides how many requests a
 * machine serves, and that stays stable on a shared box where throughput swings with the
 * neighbours. Each meter reads a process's total CPU (user + system) before and after a
 * load run; the difference over the 2xx answers is the cost of one request.
 */

/** Reads a process's CPU time so far in microseconds, or null when it cannot be read. */
export type CpuMeter = () => Promise<number | null>;

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a local process, from /proc/<pid>/stat (fields 14 and 15). */
export function procMeter(pid: number | undefined): CpuMeter {
  return () => Promise.resolve(procCpuMicros(pid));
}

function procCpuMicros(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Redis reports its own CPU (INFO cpu), so it is measured wherever it runs. */
export function redisMeter(): CpuMeter {
  return async () => {
    const redis = new Redis({
      host: process.env.REDIS_HOST || '127.0.0.1',
      port: Number(process.env.REDIS_PORT ?? 6379),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    try {
      await redis.connect();
      const info = await redis.info('cpu');
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
      const seconds = field('used_cpu_user') + field('used_cpu_sys');
      return Number.isFinite(seconds) ? seconds * 1_000_000 : null;
    } catch {
      return null;
    } finally {
      redis.disconnect();
    }
  };
}

/** The database server's process when it runs on this machine (its pid file), else null. */
export async function databasePid(): Promise<number | undefined> {
  const host = process.env.DB_HOST ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return undefined;
  const connection = await connect();
  try {
    const [rows] = await connection.query('SELECT @@pid_file AS pidFile');
    const pidFile = (rows as Array<{ pidFile: string }>)[0]?.pidFile;
    return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  } finally {
    await connection.end();
  }
}

export type CpuPerRequest = Record<string, number | null>;

/**
 * Runs `work` (a load run returning its 2xx count) and divides each meter's CPU over it by
 * that count: microseconds per answered request, null where a meter has no figure.
 */
export async function measureCpu<T extends { ok: number }>(
  meters: Record<string, CpuMeter>,
  work: () => Promise<T>,
): Promise<T & { cpuMicrosPerRequest: CpuPerRequest }> {
  const names = Object.keys(meters);
  const before = await Promise.all(names.map((name) => meters[name]()));
  const result = await work();
  const after = await Promise.all(names.map((name) => meters[name]()));
  const cpuMicrosPerRequest: CpuPerRequest = {};
  names.forEach((name, index) => {
    const start = before[index];
    const end = after[index];
    cpuMicrosPerRequest[name] =
      start === null || end === null || result.ok === 0 ? null : Math.round((end - start) / result.ok);
  });
  return { ...result, cpuMicrosPerRequest };
}

export function formatMicros(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${value} µs`;
}

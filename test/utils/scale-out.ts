import { once } from 'node:events';
import http from 'node:http';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { ChildRun, cleanEnv, runEntry, sparePort, stop, waitForAnswer } from './embedded';
import { deleteRedisKeys } from './redis-server';
import { dropDatabase, TEST_DB } from './test-env';

const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);

/**
 * The scale-out mode as an operator starts it: MariaDB and Redis named explicitly (the
 * defaults are embedded SQLite without Redis), queues and cache under the database's name.
 */
export function scaleOutEnv(
  databaseName: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return cleanEnv({
    ...databaseEnv(databaseName),
    REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
    REDIS_PORT: String(REDIS_PORT),
    REDIS_PREFIX: databaseName,
    // Hundreds of POSTs from one address in a burst.
    RATE_LIMIT_PER_MINUTE: '0',
    SEED_ON_START: 'false',
    PAYMENT_WEBHOOK_SECRET: 'whsec_process_faults',
    ...extra,
  });
}

/** What `npm run audit:stock` needs: the database only. */
export function databaseEnv(databaseName: string): Record<string, string> {
  return {
    DB_TYPE: 'mariadb',
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_USERNAME: TEST_DB.user,
    DB_PASSWORD: TEST_DB.password,
    DB_DATABASE: databaseName,
  };
}

export interface ApiProcess {
  run: ChildRun;
  /** http://127.0.0.1:<port>/api */
  base: string;
  port: number;
}

/**
 * `src/main.ts` as its own process; resolves once it serves (migrations run at start, so
 * the first process on a database also creates its schema).
 */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await sparePort();
  const run = runEntry('main', { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}/api`;
  // ts-node compiles the app at start: on a loaded 2-core machine two at once take over a minute.
  await waitForAnswer(`${base}/products?per_page=1`, run, Date.now() + 150_000);
  return { run, base, port };
}

/** A test's own connection to the database the processes share (after one of them migrated it). */
export function openDatabase(databaseName: string): Promise<DataSource> {
  const { host, port, user, password } = TEST_DB;
  const db = {
    type: 'mariadb' as const,
    host,
    port,
    username: user,
    password,
    database: databaseName,
    poolSize: 4,
    sqlitePath: '',
    galera: undefined,
  };
  return new DataSource(buildDataSourceOptions(db)).initialize();
}

/**
 * The operator's stock audit (`npm run audit:stock`) against the database, run from source
 * like the other processes here: the built script is tested in test/processes/cli-scripts.e2e-spec.ts.
 */
export async function runStockAudit(databaseName: string): Promise<{ code: number | null; output: string }> {
  const run = runEntry('cli/audit-stock', cleanEnv(databaseEnv(databaseName)));
  const { code } = await run.exited;
  return { code, output: run.output() };
}

/** An HTTP answer, or the network error that came instead (a reset or a refusal is the fault under test). */
export type Answer = { status: number; body: string } | { error: string };

export type CreatedHold = { hold_id: number; quantity: number };

export function isCreated(answer: Answer): answer is { status: number; body: string } {
  return 'status' in answer && answer.status === 201;
}

/** The data of every 201 answer (the holds the server granted). */
export function createdBodies(answers: Answer[]): CreatedHold[] {
  return answers.filter(isCreated).map((answer) => (JSON.parse(answer.body) as { data: CreatedHold }).data);
}

/** Units the 201 answers granted, read from their bodies. */
export function sumCreated(answers: Answer[]): number {
  return createdBodies(answers).reduce((total, data) => total + data.quantity, 0);
}

export interface SentRequest {
  /** Resolves once the whole request has been handed to the kernel (connected and written). */
  flushed: Promise<void>;
  answer: Promise<Answer>;
}

/**
 * One request on a connection of its own (no keep-alive pool), so "a new connection" is
 * exactly that, and a request's connection cannot be reused by another.
 */
export function send(url: string, method: 'GET' | 'POST', body?: unknown): SentRequest {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const request = http.request(url, {
    method,
    agent: false,
    headers:
      payload === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
  });
  const flushed = new Promise<void>((resolve) => {
    request.once('finish', resolve);
    request.once('error', () => resolve());
  });
  const answer = new Promise<Answer>((resolve) => {
    request.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message }),
      );
    });
  });
  request.end(payload);
  return { flushed, answer };
}

export function postHold(base: string, productId: number, quantity: number): SentRequest {
  return send(`${base}/holds`, 'POST', { product_id: productId, quantity });
}

/** Status counts, network errors by code: `{ 201: 40, 409: 12, ECONNRESET: 3 }`. */
export function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = 'status' in answer ? String(answer.status) : answer.error;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** JSON log lines of a process's output with the given `event`. */
export function logEvents(output: string, event: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resolves once the process's stdout and stderr are read to the end ('exit' can come before). */
export async function outputComplete(run: ChildRun): Promise<void> {
  const streams = [run.child.stdout, run.child.stderr].filter((stream) => stream && !stream.closed);
  await Promise.all(streams.map((stream) => once(stream!, 'close')));
}

/** Stops every process, then removes the database and the Redis keys (queues, cache) of the run. */
export async function cleanUp(
  databaseName: string,
  runs: Array<ChildRun | undefined>,
  dataSource?: DataSource,
): Promise<void> {
  await Promise.all(runs.map((run) => stop(run)));
  await dataSource?.destroy();
  await dropDatabase(databaseName);
  await deleteRedisKeys(REDIS_PORT, `${databaseName}:*`);
}

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/** The real services of this machine (see .ci/services.sh); overridable for other machines. */
export const TEST_DB = {
  type: process.env.TEST_DB_TYPE ?? 'mariadb',
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.DB_USERNAME ?? 'root',
  password: process.env.DB_PASSWORD ?? '',
};

export const TEST_DATABASE_PREFIX = 'fs_test_';

/**
 * TEST_DB_TYPE=sqlite (the e2e-embedded Jest project): the same specs run in embedded mode,
 * each suite on a SQLite file of its own and without Redis.
 */
export const EMBEDDED = TEST_DB.type === 'sqlite';

/** Suites' SQLite files live in folders named like MariaDB test databases, so stale ones are found the same way. */
export const EMBEDDED_TEST_ROOT = join(tmpdir(), 'flash-sale-embedded-tests');

export function sqlitePathFor(databaseName: string): string {
  return join(EMBEDDED_TEST_ROOT, databaseName, 'flash-sale.sqlite');
}

export function removeSqliteDatabase(databaseName: string): void {
  rmSync(join(EMBEDDED_TEST_ROOT, databaseName), { recursive: true, force: true });
}

/** Test databases are named fs_test_<pid of the Jest worker>_<random>; signal 0 only checks the pid exists. */
export function ownerIsAlive(databaseName: string): boolean {
  const pid = Number(databaseName.slice(TEST_DATABASE_PREFIX.length).split('_')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Each suite gets a database of its own, so suites never see each other's rows. */
export function uniqueDatabaseName(): string {
  return `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function withServerConnection<T>(
  work: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>,
): Promise<T> {
  const connection = await createConnection({
    host: TEST_DB.host,
    port: TEST_DB.port,
    user: TEST_DB.user,
    password: TEST_DB.password,
  });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  await withServerConnection((connection) =>
    connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`),
  );
}

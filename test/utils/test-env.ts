import { randomBytes } from 'node:crypto';
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

/** Each suite gets a database of its own, so suites never see each other's rows. */
export function uniqueDatabaseName(): string {
  return `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function withServerConnection<T>(work: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
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
  await withServerConnection((connection) => connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`));
}

import { createConnection, Connection } from 'mysql2/promise';

export const BENCH_DB = {
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.DB_USERNAME ?? 'root',
  password: process.env.DB_PASSWORD ?? '',
};

export async function connect(database?: string): Promise<Connection> {
  return createConnection({ ...BENCH_DB, database, multipleStatements: false });
}

export async function recreateDatabase(name: string): Promise<void> {
  const connection = await connect();
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
    await connection.query(
      `CREATE DATABASE ${connection.escapeId(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  const connection = await connect();
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
  } finally {
    await connection.end();
  }
}

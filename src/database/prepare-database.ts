import { Logger } from '@nestjs/common';
import { createConnection } from 'mysql2/promise';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import type { RedisConfig } from '../config/redis.config';
import { clearAppNamespace } from '../redis/redis-namespace';
import { seedSampleProductIfEmpty } from './sample-data';

const logger = new Logger('Database');

/** How long a starting process waits for another one that is migrating the same database. */
const MIGRATION_LOCK_TIMEOUT_SECONDS = 60;

/** Creates the MySQL/MariaDB database (or the SQLite file's folder) if it does not exist yet. */
export async function ensureDatabaseExists(db: DatabaseConfig): Promise<void> {
  if (db.type === 'sqlite') {
    mkdirSync(dirname(db.sqlitePath), { recursive: true });
    return;
  }
  const connection = await createConnection({
    host: db.host,
    port: db.port,
    user: db.username,
    password: db.password,
    connectTimeout: 2_000,
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${connection.escapeId(db.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/**
 * Creates the database if needed, runs pending migrations and (optionally) seeds the sample
 * product, all under a named lock so two processes starting together never run the same
 * migration twice or seed twice. Uses a short-lived connection of its own.
 */
export async function migrateAndSeed(
  options: DataSourceOptions,
  db: DatabaseConfig,
  { seed }: { seed: boolean },
): Promise<void> {
  await ensureDatabaseExists(db);
  const dataSource = await new DataSource({ ...options, poolSize: 2 } as DataSourceOptions).initialize();
  try {
    await withStartupLock(dataSource, db, async () => {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) {
        logger.log({ event: 'database.migrated', migrations: applied.map((migration) => migration.name) });
      }
      if (seed && (await seedSampleProductIfEmpty(dataSource))) {
        logger.log({ event: 'database.seeded' });
      }
    });
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Drops every table, then migrates and seeds from scratch (`npm run db:reset`); with Redis,
 * then clears the app's namespace there (queues, product cache). The new database has a new
 * identity, so Redis state left by the old one could not be used anyway; clearing it frees
 * the memory and leaves no delayed job of the old database to run.
 */
export async function resetDatabase(options: DataSourceOptions, db: DatabaseConfig, redis?: RedisConfig): Promise<void> {
  await ensureDatabaseExists(db);
  const dataSource = await new DataSource(options).initialize();
  try {
    await withStartupLock(dataSource, db, async () => {
      await dataSource.dropDatabase();
      await dataSource.runMigrations({ transaction: 'each' });
      await seedSampleProductIfEmpty(dataSource);
    });
  } finally {
    await dataSource.destroy();
  }
  if (redis?.host) {
    await clearAppNamespace(redis).catch((error: Error) => {
      throw new Error(
        `The database was reset, but the Redis keys under '${redis.prefix}:' could not be cleared (${error.message}). ` +
          'They belong to the old database and are never used for the new one; run npm run db:reset again to clear them.',
      );
    });
  }
}

async function withStartupLock(dataSource: DataSource, db: DatabaseConfig, work: () => Promise<void>) {
  if (db.type === 'sqlite') return work();
  // GET_LOCK is held by one connection, so take it on a dedicated query runner.
  const lockName = `${db.database}.schema`;
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    const [{ acquired }] = await queryRunner.query('SELECT GET_LOCK(?, ?) AS acquired', [
      lockName,
      MIGRATION_LOCK_TIMEOUT_SECONDS,
    ]);
    if (Number(acquired) !== 1) {
      throw new Error(`Timed out waiting for another process to finish migrating '${db.database}'`);
    }
    try {
      await work();
    } finally {
      await queryRunner.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    await queryRunner.release();
  }
}

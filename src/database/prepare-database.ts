import { Logger } from '@nestjs/common';
import { createConnection } from 'mysql2/promise';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { RedisConfig, redisConfigured } from '../config/redis.config';
import { clearAppNamespace } from '../redis/redis-namespace';
import { dropAppTables } from './clear-database';
import { isConnectionError } from './db-errors';
import { detectGalera, withClusterLock } from './galera';
import { seedSampleProductIfEmpty } from './sample-data';

const logger = new Logger('Database');

/** How long a starting process waits for another one that is migrating the same database. */
const MIGRATION_LOCK_TIMEOUT_SECONDS = 60;
/** On Galera, longer than the lock's lease, so a crashed holder never makes the others give up. */
const CLUSTER_LOCK_TIMEOUT_SECONDS = 150;
/**
 * How long a starting process keeps trying to reach the database. Each attempt keeps the 2 s
 * connect timeout (requests must fail fast), but at start a database that is still starting,
 * a node rejoining its cluster, or a CPU-starved host whose timers fire late is worth waiting for.
 */
const STARTUP_CONNECT_BUDGET_MS = 30_000;

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
 * migration twice or seed twice (cluster-wide on Galera). Uses a short-lived connection of
 * its own. Resolves with whether the database is a Galera cluster.
 */
export async function migrateAndSeed(
  options: DataSourceOptions,
  db: DatabaseConfig,
  { seed }: { seed: boolean },
): Promise<{ galera: boolean }> {
  const dataSource = await untilReachable(async () => {
    await ensureDatabaseExists(db);
    return new DataSource({ ...options, poolSize: 2 } as DataSourceOptions).initialize();
  });
  try {
    const galera = await detectGalera(dataSource, db);
    if (galera) logger.log({ event: 'database.galera', causal_reads: true });
    await withStartupLock(dataSource, db, galera, async () => {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) {
        logger.log({ event: 'database.migrated', migrations: applied.map((migration) => migration.name) });
      }
      if (seed && (await seedSampleProductIfEmpty(dataSource))) {
        logger.log({ event: 'database.seeded' });
      }
    });
    return { galera };
  } finally {
    await dataSource.destroy();
  }
}

/** Runs `connect` again on connection errors, for up to STARTUP_CONNECT_BUDGET_MS. */
export async function untilReachable<T>(connect: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STARTUP_CONNECT_BUDGET_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (!isConnectionError(error) || Date.now() > deadline) throw error;
      logger.warn({ event: 'database.waiting', attempt, reason: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 500, 2_000)));
    }
  }
}

/**
 * Drops every table (but the cluster lock's, which it holds a lease in), then migrates and seeds from scratch (`npm run db:reset`); with Redis,
 * then clears the app's namespace there (queues, product cache). The new database has a new
 * identity, so Redis state left by the old one could not be used anyway; clearing it frees
 * the memory and leaves no delayed job of the old database to run.
 */
export async function resetDatabase(
  options: DataSourceOptions,
  db: DatabaseConfig,
  redis?: RedisConfig,
): Promise<void> {
  await ensureDatabaseExists(db);
  const dataSource = await new DataSource(options).initialize();
  try {
    await withStartupLock(dataSource, db, await detectGalera(dataSource, db), async () => {
      await dropAppTables(dataSource);
      await dataSource.runMigrations({ transaction: 'each' });
      await seedSampleProductIfEmpty(dataSource);
    });
  } finally {
    await dataSource.destroy();
  }
  if (redis && redisConfigured(redis)) {
    await clearAppNamespace(redis).catch((error: Error) => {
      throw new Error(
        `The database was reset, but the Redis keys under '${redis.prefix}:' could not be cleared (${error.message}). ` +
          'They belong to the old database and are never used for the new one; run npm run db:reset again to clear them.',
      );
    });
  }
}

async function withStartupLock(
  dataSource: DataSource,
  db: DatabaseConfig,
  galera: boolean,
  work: () => Promise<void>,
) {
  if (db.type === 'sqlite') return work();
  // GET_LOCK is held by one connection, so take it on a dedicated query runner.
  const lockName = `${db.database}.schema`;
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    // GET_LOCK is node-local on Galera: processes on two nodes would both get it.
    if (galera) return await withClusterLock(queryRunner, lockName, CLUSTER_LOCK_TIMEOUT_SECONDS, work);
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

import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { ENTITIES } from './entities';
import { claimSqliteFile, SqliteConnection } from './sqlite-file-lock';

/**
 * Migrations live in the top-level `migrations/` folder. Compiled, they sit in
 * `dist/migrations` next to `dist/database`; under ts-node/jest they are read as .ts.
 */
const MIGRATIONS = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', 'migrations', '*.ts')
  : join(__dirname, '..', 'migrations', '*.js');

/** A failing connection attempt must fail fast: callers answer 503 instead of hanging. */
const CONNECT_TIMEOUT_MS = 2_000;
/** SQLite's busy timeout; with the file held exclusively (see claimSqliteFile) nothing should wait on it. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: [MIGRATIONS],
    migrationsTableName: 'migrations',
    // One transaction per migration, as prepareDatabase runs them, so the CLI (whose default is
    // one for all) accepts a migration that opens its own (OperatorActions on SQLite).
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    migrationsRun: false,
    logging: ['error' as const],
  };
  if (db.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.sqlitePath,
      // One process owns the file (refusing a second one with a clear message), in WAL mode.
      prepareDatabase: (connection: SqliteConnection) =>
        claimSqliteFile(connection, db.sqlitePath, SQLITE_BUSY_TIMEOUT_MS),
      enableWAL: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
    };
  }
  return {
    ...common,
    type: db.type,
    host: db.host,
    port: db.port,
    username: db.username,
    password: db.password,
    database: db.database,
    charset: 'utf8mb4',
    // Store and read every DATETIME as UTC, whatever the server's time zone.
    timezone: 'Z',
    poolSize: db.poolSize,
    connectTimeout: CONNECT_TIMEOUT_MS,
    extra: { enableKeepAlive: true },
  };
}

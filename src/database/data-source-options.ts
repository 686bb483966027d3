import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { ENTITIES } from './entities';

/**
 * Migrations live in the top-level `migrations/` folder. Compiled, they sit in
 * `dist/migrations` next to `dist/database`; under ts-node/jest they are read as .ts.
 */
const MIGRATIONS = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', 'migrations', '*.ts')
  : join(__dirname, '..', 'migrations', '*.js');

/** A failing connection attempt must fail fast: callers answer 503 instead of hanging. */
const CONNECT_TIMEOUT_MS = 2_000;

export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: [MIGRATIONS],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error' as const],
  };
  if (db.type === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.sqlitePath,
      // WAL: readers never block the writer; the busy timeout covers a CLI touching the file.
      enableWAL: true,
      timeout: 5_000,
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

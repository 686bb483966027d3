import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/configuration';
import { loadEnvFileIfPresent } from '../config/env-file';
import { buildDataSourceOptions } from '../database/data-source-options';

/**
 * For the TypeORM CLI (`npm run migration:run|revert|generate`). Reads the same env vars as
 * the app. `migration:generate` writes the SQL of the engine it diffs against, and the
 * migrations must serve MySQL/MariaDB (and stay portable to SQLite), so it refuses SQLite,
 * the default when nothing is configured, instead of silently emitting SQLite SQL.
 */
loadEnvFileIfPresent();
const db = loadConfig().database;
if (db.type === 'sqlite' && process.argv.includes('migration:generate')) {
  throw new Error(
    'migration:generate diffs the entities against MySQL/MariaDB: set DB_TYPE=mysql (or mariadb) and DB_HOST, DB_PORT, ' +
      'DB_USERNAME, DB_PASSWORD, DB_DATABASE to a database migrated to the latest version (npm run migration:run).',
  );
}
export default new DataSource(buildDataSourceOptions(db));

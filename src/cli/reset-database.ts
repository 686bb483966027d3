import 'reflect-metadata';
import { loadConfig } from '../config/configuration';
import { loadEnvFileIfPresent } from '../config/env-file';
import { buildDataSourceOptions } from '../database/data-source-options';
import { resetDatabase } from '../database/prepare-database';

/** `npm run db:reset`: drop everything, run every migration, seed the sample product. */
async function main() {
  loadEnvFileIfPresent();
  const db = loadConfig().database;
  await resetDatabase(buildDataSourceOptions(db), db);
  console.log(`Database '${db.type === 'sqlite' ? db.sqlitePath : db.database}' reset and seeded.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

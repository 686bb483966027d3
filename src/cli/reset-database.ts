import 'reflect-metadata';
import { loadConfig } from '../config/configuration';
import { loadEnvFileIfPresent } from '../config/env-file';
import { redisConfigured } from '../config/redis.config';
import { buildDataSourceOptions } from '../database/data-source-options';
import { resetDatabase } from '../database/prepare-database';

/**
 * `npm run db:reset`: drop everything, run every migration, seed the sample product; with
 * Redis (one server, or every master of a cluster), clear the app's keys under REDIS_PREFIX
 * (queues, product cache, rate-limit counters) and nothing else.
 */
async function main() {
  loadEnvFileIfPresent();
  const { database: db, redis } = loadConfig();
  await resetDatabase(buildDataSourceOptions(db), db, redis);
  console.log(`Database '${db.type === 'sqlite' ? db.sqlitePath : db.database}' reset and seeded.`);
  if (redisConfigured(redis)) console.log(`Redis keys under '${redis.prefix}:' cleared.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

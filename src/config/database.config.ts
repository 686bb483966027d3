import type { Env } from './env.schema';

/** The 'database' section of the configuration, from the validated environment (see loadConfig). */
export function databaseConfig(env: Env) {
  return {
    type: env.DB_TYPE,
    host: env.DB_HOST,
    port: env.DB_PORT,
    username: env.DB_USERNAME,
    password: env.DB_PASSWORD,
    database: env.DB_DATABASE,
    poolSize: env.DB_POOL_SIZE,
    sqlitePath: env.SQLITE_PATH,
    /** undefined: detect Galera from @@wsrep_on at start (see database/galera.ts). */
    galera: env.DB_GALERA,
  };
}

export type DatabaseConfig = ReturnType<typeof databaseConfig>;

import { registerAs } from '@nestjs/config';
import { validateEnv } from './env.validation';

export const databaseConfig = registerAs('database', () => {
  const env = validateEnv(process.env);
  return {
    type: env.DB_TYPE,
    host: env.DB_HOST,
    port: env.DB_PORT,
    username: env.DB_USERNAME,
    password: env.DB_PASSWORD,
    database: env.DB_DATABASE,
    poolSize: env.DB_POOL_SIZE,
    sqlitePath: env.SQLITE_PATH,
  };
});

export type DatabaseConfig = ReturnType<typeof databaseConfig>;

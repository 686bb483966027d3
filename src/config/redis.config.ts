import type { Env } from './env.validation';

/** The 'redis' section of the configuration, from the validated environment (see loadConfig). */
export function redisConfig(env: Env) {
  return {
    host: env.REDIS_HOST,
    port: env.REDIS_PORT,
    password: env.REDIS_PASSWORD,
    prefix: env.REDIS_PREFIX,
  };
}

export type RedisConfig = ReturnType<typeof redisConfig>;

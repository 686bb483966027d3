import { adminConfig } from './admin.config';
import { appConfig } from './app.config';
import { buyerAuthConfig } from './buyer-auth.config';
import { cacheConfig } from './cache.config';
import { corsConfig } from './cors.config';
import type { AllConfig } from './config.types';
import { databaseConfig } from './database.config';
import { validateEnv } from './env.validation';
import { metricsConfig } from './metrics.config';
import { paymentsConfig } from './payments.config';
import { queueConfig } from './queue.config';
import { redisConfig } from './redis.config';
import { streamConfig } from './stream.config';

/**
 * The one place the environment is read: validated once (a bad value stops the process with
 * every problem listed), then split into typed sections. Entry points (main.ts, worker.ts,
 * src/cli/) call it once and hand the result on; the app reads it through ConfigService.
 */
export function loadConfig(raw: Record<string, unknown> = process.env): AllConfig {
  const env = validateEnv(raw);
  return {
    app: appConfig(env),
    database: databaseConfig(env),
    redis: redisConfig(env),
    payments: paymentsConfig(env),
    cache: cacheConfig(env),
    admin: adminConfig(env),
    stream: streamConfig(env),
    metrics: metricsConfig(env),
    buyerAuth: buyerAuthConfig(env),
    queue: queueConfig(env),
    cors: corsConfig(env),
  };
}

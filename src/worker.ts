import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { loadEnvFileIfPresent } from './config/env-file';
import { loadConfig } from './config/configuration';
import { sharedDatabaseWithoutRedis } from './config/env.rules';
import { redisConfigured } from './config/redis.config';
import { armShutdownDeadline } from './bootstrap/shutdown-deadline';

/**
 * Embedded mode is one process, which already releases holds: a worker there would have
 * nothing to do, and could not open the file anyway.
 */
const EMBEDDED_WORKER_REFUSAL =
  'npm run start:worker is for the scale-out mode (DB_TYPE=mysql|mariadb with REDIS_HOST). In embedded mode ' +
  '(DB_TYPE=sqlite, the default) the API process (npm start) runs the sweeper that releases expired holds, ' +
  'and it is the only process allowed on the database file. Not starting.';

/**
 * The expiry worker and sweeper without HTTP (`npm run start:worker`). Run as many as you
 * like next to API processes started with WORKER_ENABLED=false: they share the database and
 * Redis, and every release is exactly-once.
 */
async function bootstrap() {
  if (process.env.NODE_ENV !== 'test') loadEnvFileIfPresent();
  const config = loadConfig();
  if (config.database.type === 'sqlite') {
    console.error(EMBEDDED_WORKER_REFUSAL);
    process.exit(1);
  }
  if (!redisConfigured(config.redis)) {
    console.error(
      `${sharedDatabaseWithoutRedis('npm run start:worker (a process of its own)')}. Not starting.`,
    );
    process.exit(1);
  }
  // Logs are held until the JSON logger takes over, as in main.ts.
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ http: false, config }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM/SIGINT: stop taking jobs, finish the ones in hand, close the pools, then exit 0
  // through process.exit, which lets pino write its last lines (re-raising the signal lost them).
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  // Bounded whatever Redis or the database do (Nest's own hooks have no bound).
  const deadline = () => armShutdownDeadline(config.app.shutdownTimeoutSeconds);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, deadline);
  new Logger('Bootstrap').log({ event: 'worker.started' });
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

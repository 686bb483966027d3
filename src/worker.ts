import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';

/**
 * The expiry worker and sweeper without HTTP (`npm run start:worker`). Run as many as you
 * like next to API processes started with WORKER_ENABLED=false: they share the database and
 * Redis, and every release is exactly-once.
 */
async function bootstrap() {
  // Logs are held until the JSON logger takes over, as in main.ts.
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ http: false }), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM/SIGINT: stop taking jobs, finish the ones in hand, then close the pools.
  app.enableShutdownHooks();
  new Logger('Bootstrap').log({ event: 'worker.started' });
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureHttpApp, createFastifyAdapter } from './bootstrap/http-app';
import { loadConfig } from './config/configuration';
import { loadEnvFileIfPresent } from './config/env-file';

async function bootstrap() {
  if (process.env.NODE_ENV !== 'test') loadEnvFileIfPresent();
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config }),
    createFastifyAdapter(config.app.trustProxy),
    {
      rawBody: true,
      // Held until configureHttpApp switches to the JSON logger, so boot lines are JSON too.
      bufferLogs: true,
    },
  );
  configureHttpApp(app);
  const port = config.app.port;
  await app.listen(port, '0.0.0.0');
  new Logger('Bootstrap').log({ event: 'app.listening', port, url: `http://localhost:${port}/api` });
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

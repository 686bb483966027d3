import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureHttpApp, createFastifyAdapter } from './bootstrap/http-app';
import type { AllConfig } from './config/config.types';

async function bootstrap() {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(), createFastifyAdapter(), {
    rawBody: true,
    // Held until configureHttpApp switches to the JSON logger, so boot lines are JSON too.
    bufferLogs: true,
  });
  configureHttpApp(app);
  const port = app.get(ConfigService<AllConfig, true>).getOrThrow('app.port', { infer: true });
  await app.listen(port, '0.0.0.0');
  new Logger('Bootstrap').log({ event: 'app.listening', port, url: `http://localhost:${port}/api` });
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

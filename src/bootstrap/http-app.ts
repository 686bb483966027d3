import { ConfigService } from '@nestjs/config';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { BOARD_PATHS } from '../board/board.controller';
import { CONSOLE_PATHS } from '../console/console.controller';
import { AllExceptionsFilter } from '../common/filters/all-exceptions.filter';
import { BODY_SCHEMA_AJV, schemaErrorFormatter } from '../common/http/body-schema';
import { ApiValidationPipe } from '../common/pipes/api-validation.pipe';
import type { AllConfig } from '../config/config.types';
import { loadConfig } from '../config/configuration';
import { REQUEST_ID_HEADER, requestIdFor } from '../observability/logger-options';
import { registerCors } from '../security/cors';
import { registerSecurityHeaders } from '../security/security-headers';
import { trustProxyOption } from '../config/trust-proxy';
import { parserRefusal, routerRefusal } from './framework-errors';
import { enableGracefulShutdown } from './graceful-shutdown';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** `trustProxy` is the TRUST_PROXY setting: the adapter exists before the app's ConfigService does. */
export function createFastifyAdapter(trustProxy: string = loadConfig().app.trustProxy): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    // Whose X-Forwarded-For makes request.ip, which the rate limits key on.
    trustProxy: trustProxyOption(trustProxy),
    // No Nest middleware is mounted (requests are logged by Fastify hooks, nestjs-pino gets
    // `forRoutes: []`), so @fastify/middie, whose hooks run on every request even with
    // nothing to run, is not registered. A module that ever calls consumer.apply(...) fails
    // at boot with "use is not a function" instead of running without its middleware.
    skipMiddie: true,
    // Routes with a body schema (ValidatedBody): strict types, and failures as our 422 envelope.
    ajv: BODY_SCHEMA_AJV,
    schemaErrorFormatter,
    // Refused before any route (a path that cannot be decoded, headers over 16 KB): the envelope too.
    frameworkErrors: routerRefusal,
    clientErrorHandler: parserRefusal,
    // Fastify's own closing answer is a bare 503 without Retry-After; graceful-shutdown.ts
    // answers a request that arrives while draining with the API's envelope instead.
    return503OnClosing: false,
  });
}

/** Everything the HTTP app needs besides its modules; shared by main.ts and the e2e tests. */
export function configureHttpApp(app: NestFastifyApplication): NestFastifyApplication {
  // Nest's Logger (every service's) writes JSON lines through pino from here on.
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('api', { exclude: ['health', 'metrics', ...BOARD_PATHS, ...CONSOLE_PATHS] });
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  // SIGTERM/SIGINT: stop listening, finish the requests in hand, then close the rest.
  enableGracefulShutdown(
    app,
    app.get(ConfigService<AllConfig, true>).getOrThrow('app.shutdownTimeoutSeconds', { infer: true }),
  );
  // The API speaks JSON only: without Fastify's default text/plain parser, any other media
  // type is a clear 415 instead of a string body failing validation.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  // Every answer (404s and body-parser refusals too) names the id its log lines carry.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      done();
    });
  registerSecurityHeaders(app);
  registerCors(app, app.get(ConfigService<AllConfig, true>).getOrThrow('cors.origins', { infer: true }));
  setupSwagger(app);
  return app;
}

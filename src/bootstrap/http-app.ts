import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { HttpExceptionFilter } from '../common/filters/http-exception.filter';
import { ApiValidationPipe } from '../common/pipes/api-validation.pipe';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
}

/** Everything the HTTP app needs besides its modules; shared by main.ts and the e2e tests. */
export function configureHttpApp(app: NestFastifyApplication): NestFastifyApplication {
  app.setGlobalPrefix('api', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  // The API speaks JSON only: without Fastify's default text/plain parser, any other media
  // type is a clear 415 instead of a string body failing validation.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  return app;
}

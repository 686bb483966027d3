import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { toErrorResponse } from '../common/errors/error-response';
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
  // Body-parsing failures (malformed JSON, > 1 MB, wrong media type) happen before Nest's
  // pipeline; answer them with the same envelope.
  app
    .getHttpAdapter()
    .getInstance()
    .setErrorHandler((error, _request, reply) => {
      const response = toErrorResponse(error);
      void reply.status(response.httpStatus).headers(response.headers).send(response.body);
    });
  return app;
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_BEARER } from '../admin/admin.docs';
import { METRICS_BEARER } from '../metrics/metrics-auth.guard';
import { BUYER_BEARER } from '../buyers/buyer-auth.docs';

export const DOCS_PATH = 'api/docs';
export const DOCS_JSON_PATH = 'api/docs-json';

const DESCRIPTION = [
  'Flash sale: **holds** reserve stock for a while, a hold becomes an **order**, and a signed, idempotent **webhook** settles it.',
  '',
  'Success: `{"status":"success","data":...}` (lists add `meta`). Errors: `{"status":"error","code","message","errors"?}`; each',
  'operation lists the `code` values of each status. Any unknown route answers 404 `ROUTE_NOT_FOUND`.',
  "Every response carries `X-Request-Id` (the client's, when it sent an acceptable one).",
  '',
  'Flow: `POST /api/holds {"product_id":1,"quantity":5}` -> `POST /api/orders {"hold_id":1}` ->',
  '`POST /api/payments/webhook {"event_id":"evt_abc123","order_id":1,"status":"paid"}` -> `GET /api/orders/1` is `completed`.',
].join('\n');

/** Swagger UI at /api/docs and the OpenAPI 3 document at /api/docs-json, built from the decorators. */
export function setupSwagger(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Flash Sale API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addTag('products')
    .addTag('holds')
    .addTag(
      'waiting room',
      'A fair line in front of the holds, with a verifiable draw (docs/api.md, "Waiting room")',
    )
    .addTag('orders')
    .addTag('payments')
    .addTag(
      'admin',
      'Operators: products, stock, sale windows and limits (Authorization: Bearer ADMIN_API_TOKEN)',
    )
    .addTag('operations', 'Health and metrics, outside the /api prefix')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Nest fills in 'JWT' when none is given; these are random strings.
        bearerFormat: 'opaque',
        description: 'One of the tokens in ADMIN_API_TOKEN (comma-separated, each >= 32 characters)',
      },
      ADMIN_BEARER,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Nest fills in 'JWT' when none is given; these are random strings.
        bearerFormat: 'opaque',
        description: 'One of the tokens in METRICS_TOKEN, when it is set (GET /metrics is open otherwise)',
      },
      METRICS_BEARER,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          "With BUYER_AUTH=jwt: the shop login's token (JWT) for the buyer's holds and orders; its sub is the buyer. Not used with BUYER_AUTH=off",
      },
      BUYER_BEARER,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: DOCS_JSON_PATH, raw: ['json'] });
  return document;
}

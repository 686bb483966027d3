import SwaggerParser from '@apidevtools/swagger-parser';
import type {
  OpenAPIObject,
  OperationObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { controllerRoutes } from '../utils/served-routes';
import { createTestApp, TestApp } from '../utils/test-app';

/** Every code in docs/api.md's error table that a route can answer with (ROUTE_NOT_FOUND is for unknown routes). */
const README_ERROR_CODES = [
  'MALFORMED_JSON',
  'INVALID_ID',
  'INVALID_SIGNATURE',
  'PRODUCT_NOT_FOUND',
  'HOLD_NOT_FOUND',
  'ORDER_NOT_FOUND',
  'INSUFFICIENT_STOCK',
  'SALE_NOT_STARTED',
  'SALE_ENDED',
  'CUSTOMER_LIMIT_EXCEEDED',
  'HOLD_EXPIRED',
  'HOLD_RELEASED',
  'HOLD_ALREADY_USED',
  'EVENT_PAYLOAD_MISMATCH',
  'LIVEMODE_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'VALIDATION_FAILED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'TOO_MANY_REQUESTS',
  'SERVICE_UNAVAILABLE',
  'UNAUTHORIZED',
  'INVALID_TOKEN',
  'CUSTOMER_MISMATCH',
  'ADMIN_DISABLED',
  'SERVICE_BUSY',
  'ORDER_NOT_PENDING',
  'ORDER_NOT_RESTORABLE',
  'ADMISSION_REQUIRED',
  'ADMISSION_INVALID',
  'ADMISSION_EXPIRED',
  'TICKET_NOT_FOUND',
  'QUEUE_NOT_ENABLED',
  'NONCE_REUSED',
  'DRAW_NOT_READY',
  'NO_DRAW',
  'POW_REQUIRED',
  'POW_INVALID',
  'POW_NOT_REQUIRED',
];

/** The sale board and the operator console (pages, their scripts and stylesheets): served, but no API, so kept out of the document. */
const PAGES = [
  'GET /',
  'GET /sale-board.css',
  'GET /sale-board.js',
  'GET /sale-board-buy.js',
  'GET /admin',
  'GET /admin/console.css',
  'GET /admin/console.js',
];

describe('OpenAPI document and Swagger UI (e2e)', () => {
  let t: TestApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http.get('/api/docs-json').expect(200)).body as OpenAPIObject;
  });

  afterAll(async () => {
    await t.close();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, operation]) => ({ path, method, operation: operation as OperationObject })),
    );
  const operation = (method: string, path: string) =>
    document.paths[path]?.[method as 'get'] as OperationObject;
  const jsonOf = (response: unknown) => (response as ResponseObject).content?.['application/json'];

  it('should be a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    // The validator is real: a dangling reference is refused.
    const broken = structuredClone(document);
    broken.paths['/api/holds'].post!.responses['201'] = { $ref: '#/components/responses/Missing' };
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('should document every route the app serves, and only those', () => {
    const served = controllerRoutes(t).map(
      ({ method, url }) => `${method} ${url.replace(/:(\w+)/g, '{$1}')}`,
    );
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);

    expect(served.length).toBeGreaterThanOrEqual(11);
    expect(served).toEqual(expect.arrayContaining(PAGES));
    expect(documented.sort()).toEqual(served.filter((route) => !PAGES.includes(route)).sort());
  });

  it('should list each operation once, under one declared tag', () => {
    const declared = (document.tags ?? []).map((tag) => tag.name);
    for (const { path, method, operation: op } of operations()) {
      expect({ path, method, tags: op.tags }).toEqual({ path, method, tags: [expect.any(String)] });
      expect(declared).toContain(op.tags![0]);
    }
  });

  it('should give every operation a success schema with examples and every error status its codes', () => {
    for (const { path, method, operation: op } of operations()) {
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((status) => status.startsWith('2'));
      expect({ path, method, success: success.length }).toEqual({ path, method, success: 1 });
      const content = (op.responses[success[0]] as ResponseObject).content ?? {};
      const media = Object.values(content)[0];
      expect({ path, method, example: Boolean(media?.examples ?? media?.example) }).toEqual({
        path,
        method,
        example: true,
      });
      for (const status of statuses.filter((s) => /^[45]/.test(s)) as string[]) {
        if (path === '/health') continue;
        const codes = errorCodes(jsonOf(op.responses[status]));
        expect({ path, method, status, hasCodes: codes.length > 0 }).toEqual({
          path,
          method,
          status,
          hasCodes: true,
        });
      }
    }
  });

  it("should list each code of docs/api.md's error table on the routes that answer it", () => {
    const documented = new Set(
      operations().flatMap(({ operation: op }) =>
        Object.values(op.responses).flatMap((response) => errorCodes(jsonOf(response))),
      ),
    );
    expect([...documented].sort()).toEqual([...README_ERROR_CODES].sort());
    expect(codesAt(operation('post', '/api/holds'), '409')).toEqual([
      'INSUFFICIENT_STOCK',
      'SALE_NOT_STARTED',
      'SALE_ENDED',
      'CUSTOMER_LIMIT_EXCEEDED',
      'IDEMPOTENCY_KEY_IN_USE',
    ]);
    expect(codesAt(operation('post', '/api/holds'), '403')).toEqual([
      'CUSTOMER_MISMATCH',
      'ADMISSION_REQUIRED',
      'ADMISSION_INVALID',
      'ADMISSION_EXPIRED',
    ]);
    expect(codesAt(operation('post', '/api/orders'), '409')).toEqual([
      'HOLD_EXPIRED',
      'HOLD_RELEASED',
      'HOLD_ALREADY_USED',
      'IDEMPOTENCY_KEY_IN_USE',
    ]);
    expect(codesAt(operation('post', '/api/orders'), '422')).toEqual([
      'VALIDATION_FAILED',
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(operation('post', '/api/holds').parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
      ]),
    );
    expect(codesAt(operation('post', '/api/payments/webhook'), '401')).toEqual(['INVALID_SIGNATURE']);
    expect(codesAt(operation('get', '/api/products/{id}'), '400')).toEqual(['INVALID_ID']);
    expect(operation('get', '/api/products/{id}').responses['503']).toMatchObject({
      headers: { 'Retry-After': expect.any(Object) },
    });
    for (const path of ['/api/holds', '/api/orders']) {
      expect(codesAt(operation('post', path), '429')).toEqual(['TOO_MANY_REQUESTS']);
      expect(operation('post', path).responses['429']).toMatchObject({
        headers: { 'Retry-After': expect.any(Object) },
      });
    }
    expect(operation('post', '/api/payments/webhook').responses['429']).toBeUndefined();
  });

  it('should require the admin bearer token on every admin route, the buyer token on the buyer routes, and nothing elsewhere', () => {
    const bearer = document.components?.securitySchemes?.['admin-token'];
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    // The admin and metrics tokens are random strings, not JWTs: Swagger UI must not say otherwise.
    expect(bearer).toMatchObject({ bearerFormat: 'opaque' });
    expect(document.components?.securitySchemes?.['metrics-token']).toMatchObject({ bearerFormat: 'opaque' });
    expect(document.components?.securitySchemes?.['buyer-token']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const admin = operations().filter(({ path }) => path.startsWith('/api/admin/'));
    expect(admin.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual([
      'GET /api/admin/orders',
      'GET /api/admin/orders/{id}',
      'GET /api/admin/products',
      'GET /api/admin/products/{id}',
      'GET /api/admin/products/{id}/movements',
      'PATCH /api/admin/products/{id}',
      'POST /api/admin/orders/{id}/cancel',
      'POST /api/admin/orders/{id}/restore',
      'POST /api/admin/products',
      'POST /api/admin/products/{id}/stock',
    ]);
    const buyerRoutes = [
      'post /api/holds',
      'get /api/holds',
      'get /api/holds/{id}',
      'post /api/orders',
      'get /api/orders',
      'get /api/orders/{id}',
      'post /api/products/{id}/queue',
    ];
    for (const { path, method, operation: op } of operations()) {
      const secured = path.startsWith('/api/admin/');
      const buyer = buyerRoutes.includes(`${method} ${path}`);
      expect({ path, method, security: op.security }).toEqual({
        path,
        method,
        // /metrics takes a token of its own when METRICS_TOKEN is set.
        security: secured
          ? [{ 'admin-token': [] }]
          : path === '/metrics'
            ? [{ 'metrics-token': [] }]
            : buyer
              ? [{ 'buyer-token': [] }]
              : undefined,
      });
      if (buyer) {
        expect(codesAt(op, '401')).toEqual(['UNAUTHORIZED', 'INVALID_TOKEN']);
        expect(op.responses['401']).toMatchObject({ headers: { 'WWW-Authenticate': expect.any(Object) } });
      }
      if (!secured) continue;
      expect(codesAt(op, '401')).toEqual(['UNAUTHORIZED']);
      expect(op.responses['401']).toMatchObject({ headers: { 'WWW-Authenticate': expect.any(Object) } });
      expect(codesAt(op, '403')).toEqual(['ADMIN_DISABLED']);
      expect(codesAt(op, '429')).toEqual(['TOO_MANY_REQUESTS']);
    }
    expect(operation('post', '/api/admin/products/{id}/stock').parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
      ]),
    );
  });

  it("should carry the original README's flow as request examples", () => {
    const example = (method: string, path: string) => {
      const examples = jsonOf(operation(method, path).requestBody)?.examples ?? {};
      return Object.values(examples).map((entry) => (entry as { value: unknown }).value);
    };
    expect(example('post', '/api/holds')).toContainEqual({ product_id: 1, quantity: 5 });
    expect(example('post', '/api/orders')).toContainEqual({ hold_id: 1 });
    expect(example('post', '/api/payments/webhook')).toContainEqual({
      event_id: 'evt_abc123',
      order_id: 1,
      status: 'paid',
    });
  });

  it("should document both webhook bodies, the original's and Stripe's event object, and the livemode refusal", () => {
    const body = jsonOf(operation('post', '/api/payments/webhook').requestBody);
    expect(body?.schema).toEqual({
      oneOf: [
        { $ref: '#/components/schemas/PaymentWebhookDto' },
        { $ref: '#/components/schemas/StripeEventDto' },
      ],
    });
    const stripeEvent = document.components?.schemas?.StripeEventDto as {
      properties: object;
      required: string[];
    };
    expect(Object.keys(stripeEvent.properties).sort()).toEqual(['data', 'id', 'livemode', 'object', 'type']);
    expect(stripeEvent.required.sort()).toEqual(['data', 'id', 'livemode', 'object', 'type']);
    const examples = Object.values(body?.examples ?? {}).map(
      (entry) => (entry as { value: { object?: string; type?: string } }).value,
    );
    expect(examples.filter((value) => value.object === 'event').map((value) => value.type)).toEqual([
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    expect(codesAt(operation('post', '/api/payments/webhook'), '400')).toEqual([
      'MALFORMED_JSON',
      'LIVEMODE_MISMATCH',
    ]);
  });

  it('should document the Stripe-Signature header of the webhook', () => {
    expect(operation('post', '/api/payments/webhook').parameters).toContainEqual(
      expect.objectContaining({
        in: 'header',
        name: 'Stripe-Signature',
        schema: expect.objectContaining({ type: 'string' }),
      }),
    );
  });

  it('should describe the response DTOs field by field', () => {
    const schemas = document.components?.schemas ?? {};
    const fields = (name: string) =>
      Object.keys((schemas[name] as { properties?: object }).properties ?? {}).sort();
    expect(fields('ProductResponseDto')).toEqual(
      [
        'available_stock',
        'id',
        'max_per_customer',
        'name',
        'price',
        'queue_admission_seconds',
        'queue_admit_per_minute',
        'queue_enabled',
        'sale_ends_at',
        'sale_starts_at',
        'total_stock',
      ].sort(),
    );
    expect(fields('CreatedHoldResponseDto')).toEqual([
      'customer_id',
      'hold_expires_at',
      'hold_id',
      'product_id',
      'quantity',
      'status',
    ]);
    expect(fields('HoldResponseDto')).toEqual(
      [
        'created_at',
        'customer_id',
        'hold_expires_at',
        'id',
        'product_id',
        'quantity',
        'released_at',
        'status',
        'used_at',
      ].sort(),
    );
    expect(fields('OrderResponseDto')).toEqual(
      [
        'amount',
        'cancel_reason',
        'created_at',
        'customer_id',
        'hold_id',
        'id',
        'payment_idempotency_key',
        'product_id',
        'quantity',
        'status',
        'updated_at',
      ].sort(),
    );
  });

  it('should serve Swagger UI at /api/docs', async () => {
    const page = await t.http.get('/api/docs').redirects(1).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('swagger-ui');
    await t.http.get('/api/docs/swagger-ui.css').expect(200);
  });
});

function errorCodes(media: { schema?: unknown } | undefined): string[] {
  const schema = media?.schema as { allOf?: { properties?: { code?: { enum?: string[] } } }[] } | undefined;
  return schema?.allOf?.flatMap((part) => part.properties?.code?.enum ?? []) ?? [];
}

function codesAt(op: OperationObject, status: string): string[] {
  return errorCodes((op.responses[status] as ResponseObject).content?.['application/json']);
}

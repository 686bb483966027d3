import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { ExampleObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * OpenAPI helpers for the API's envelopes, so every route documents its success shape and
 * each error status with the exact `code` values it can answer (the README's error table).
 */

export class PageMetaDto {
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 50 }) per_page: number;
  @ApiProperty({ example: 1 }) total: number;
}

export class ErrorResponseDto {
  @ApiProperty({ enum: ['error'], example: 'error' }) status: 'error';
  @ApiProperty({ description: 'Stable machine-readable reason', example: 'INSUFFICIENT_STOCK' }) code: string;
  @ApiProperty({ example: 'Insufficient stock: requested 5, only 2 available' }) message: string;
  @ApiPropertyOptional({
    description: 'VALIDATION_FAILED only: messages per field',
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { quantity: ['quantity must not be less than 1'] },
  })
  errors?: Record<string, string[]>;
}

/** An example message for every code a route can answer with. */
const EXAMPLE_MESSAGES: Record<string, string> = {
  MALFORMED_JSON: 'The request body is not valid JSON',
  INVALID_ID: "Invalid id 'abc': expected a positive integer",
  INVALID_SIGNATURE: 'Invalid webhook signature: no signature matches the payload',
  PRODUCT_NOT_FOUND: 'Product 1 not found',
  HOLD_NOT_FOUND: 'Hold 1 not found',
  ORDER_NOT_FOUND: 'Order 1 not found',
  INSUFFICIENT_STOCK: 'Insufficient stock: requested 5, only 2 available',
  SALE_NOT_STARTED: 'The sale of product 1 has not started: it starts at 2026-11-27T09:00:00.000Z',
  SALE_ENDED: 'The sale of product 1 ended at 2026-11-27T10:00:00.000Z',
  CUSTOMER_LIMIT_EXCEEDED:
    'Customer limit exceeded: at most 2 units per customer, 0 left for this customer, requested 1',
  // Admin routes and buyer routes (BUYER_AUTH=jwt) both answer it, each with its own message.
  UNAUTHORIZED: 'A valid bearer token is required: Authorization: Bearer <token>',
  INVALID_TOKEN: 'Invalid buyer token: "exp" claim timestamp check failed',
  CUSTOMER_MISMATCH: "customer_id must be the token's subject (sub), or be left out",
  ADMIN_DISABLED: 'The admin API is disabled: set ADMIN_API_TOKEN to enable it',
  HOLD_EXPIRED: 'Hold 1 has expired',
  HOLD_RELEASED: 'Hold 1 has been released and its stock returned',
  HOLD_ALREADY_USED: 'Hold 1 has already been used for an order',
  EVENT_PAYLOAD_MISMATCH: 'Event evt_abc123 was already received with a different order or status',
  PAYLOAD_TOO_LARGE: 'The request body is larger than 1 MB',
  UNSUPPORTED_MEDIA_TYPE: "Send the request body as 'application/json'",
  VALIDATION_FAILED: 'The request is invalid',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was already used with a different request body',
  IDEMPOTENCY_KEY_IN_USE: 'A request with this Idempotency-Key is still being processed; retry shortly',
  TOO_MANY_REQUESTS: 'Too many requests; retry after the number of seconds in Retry-After',
  SERVICE_UNAVAILABLE: 'The database is unavailable; retry shortly',
  SERVICE_BUSY: 'Too many live stock streams are open on this server; retry shortly',
};

const EXAMPLE_FIELD_ERRORS = { quantity: ['quantity must not be less than 1'] };

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Validation failed',
  429: 'Rate limited (RATE_LIMIT_PER_MINUTE per client IP and route); the response carries Retry-After',
  503: 'Database unavailable, or the server is busy; the response carries Retry-After',
};

/** Statuses whose answers tell the client when to come back. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

export type ErrorCodesByStatus = Partial<Record<number, readonly string[]>>;

/** Failures every route with a JSON body can answer with before the handler runs. */
export const BODY_ERRORS: ErrorCodesByStatus = {
  400: ['MALFORMED_JSON'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  422: ['VALIDATION_FAILED'],
  503: ['SERVICE_UNAVAILABLE'],
};

/** The POST routes that honour Idempotency-Key (see idempotency/). */
export const IDEMPOTENCY_ERRORS: ErrorCodesByStatus = {
  409: ['IDEMPOTENCY_KEY_IN_USE'],
  422: ['IDEMPOTENCY_KEY_REUSED'],
};

/** The rate-limited routes (holds, orders, admin; see RateLimited). */
export const RATE_LIMIT_ERRORS: ErrorCodesByStatus = { 429: ['TOO_MANY_REQUESTS'] };

/** Documents each error status with the `code` values it carries and an example per code. */
export function ApiErrors(...groups: ErrorCodesByStatus[]) {
  const merged = new Map<number, Set<string>>();
  for (const group of groups) {
    for (const [status, codes] of Object.entries(group)) {
      const set = merged.get(Number(status)) ?? new Set<string>();
      codes?.forEach((code) => set.add(code));
      merged.set(Number(status), set);
    }
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...[...merged].map(([status, codes]) => {
      const list = [...codes];
      return ApiResponse({
        status,
        description: `${STATUS_TEXT[status] ?? 'Error'}: ${list.join(', ')}`,
        headers: headersFor(status, list),
        content: {
          'application/json': {
            schema: {
              allOf: [
                { $ref: getSchemaPath(ErrorResponseDto) },
                { type: 'object', properties: { code: { type: 'string', enum: list } } },
              ],
            },
            examples: Object.fromEntries(list.map((code) => [code, errorExample(code)])),
          },
        },
      });
    }),
  );
}

function headersFor(status: number, codes: readonly string[]): HeadersObject | undefined {
  if (RETRY_AFTER_STATUSES.has(status)) {
    return { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string' } } };
  }
  if (codes.includes('UNAUTHORIZED')) {
    return {
      'WWW-Authenticate': {
        description: 'Bearer: send Authorization: Bearer <token>',
        schema: { type: 'string' },
      },
    };
  }
  return undefined;
}

function errorExample(code: string): ExampleObject {
  const value: Record<string, unknown> = { status: 'error', code, message: EXAMPLE_MESSAGES[code] ?? code };
  if (code === 'VALIDATION_FAILED') value.errors = EXAMPLE_FIELD_ERRORS;
  return { summary: code, value };
}

export interface SuccessDoc {
  status?: 200 | 201;
  type: Type<unknown>;
  description: string;
  /** A paginated list: `data` is an array and `meta` is present. */
  list?: boolean;
  /** The envelope carries a `message` (the webhook's answers). */
  withMessage?: boolean;
  examples: Record<string, unknown>;
}

/** Documents the success envelope `{status: "success", [message], data, [meta]}` around a DTO. */
export function ApiSuccess(doc: SuccessDoc) {
  const item: ReferenceObject = { $ref: getSchemaPath(doc.type) };
  const properties: Record<string, SchemaObject | ReferenceObject> = {
    status: { type: 'string', enum: ['success'] },
    ...(doc.withMessage ? { message: { type: 'string' } } : {}),
    data: doc.list ? { type: 'array', items: item } : item,
    ...(doc.list ? { meta: { $ref: getSchemaPath(PageMetaDto) } } : {}),
  };
  return applyDecorators(
    ApiExtraModels(doc.type, PageMetaDto),
    ApiResponse({
      status: doc.status ?? 200,
      description: doc.description,
      content: {
        'application/json': {
          schema: { type: 'object', required: Object.keys(properties), properties },
          examples: Object.fromEntries(
            Object.entries(doc.examples).map(([name, value]) => [name, { summary: name, value }]),
          ),
        },
      },
    }),
  );
}

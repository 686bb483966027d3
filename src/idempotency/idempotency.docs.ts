import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** Documents the optional Idempotency-Key request header of a POST route. */
export function ApiIdempotencyKey() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe (Stripe semantics): a success is stored with its effect, and a repeat with the same key ' +
        'and body within 24 h gets that answer again with `Idempotent-Replayed: true`, changing nothing. Of the ' +
        'refusals, only those the same request can never turn into a success are stored and replayed (HOLD_NOT_FOUND, ' +
        'HOLD_ALREADY_USED, HOLD_EXPIRED, HOLD_RELEASED, ORDER_NOT_FOUND); any other (SALE_NOT_STARTED, SALE_ENDED, ' +
        'INSUFFICIENT_STOCK, CUSTOMER_LIMIT_EXCEEDED, PRODUCT_NOT_FOUND, 401, 403, 422, 429, 503) stores nothing, and ' +
        'the retry is evaluated again. The same key with another body: 422 IDEMPOTENCY_KEY_REUSED. ' +
        'Keys are unique per route and, when the body carries customer_id, per customer.',
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        example: '3f1c2a9e-7d4b-4c1e-9a65-2b8f0e4d1c77',
      },
    }),
  );
}

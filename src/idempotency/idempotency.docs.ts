import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** Documents the optional Idempotency-Key request header of a POST route. */
export function ApiIdempotencyKey() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe (Stripe semantics): the first answer (201, 404 or 409) is stored with its effect, and a ' +
        'repeat with the same key and body within 24 h gets that answer again with `Idempotent-Replayed: true`, changing ' +
        'nothing. The same key with another body: 422 IDEMPOTENCY_KEY_REUSED. Validation failures (422) are not stored. ' +
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

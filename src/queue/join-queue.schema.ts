import { CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN } from '../common/customer-id';

/** POST /api/products/:id/queue's body: what Fastify validates and the OpenAPI request body. */
export const JOIN_QUEUE_BODY = {
  type: 'object' as const,
  additionalProperties: false as const,
  properties: {
    customer_id: {
      type: 'string',
      pattern: CUSTOMER_ID_PATTERN.source,
      maxLength: CUSTOMER_ID_MAX_LENGTH,
      description:
        "The buyer. With BUYER_AUTH=off, required. With BUYER_AUTH=jwt, leave it out (the token's sub is used) or send the sub.",
    },
    nonce: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{22,128}$',
      description:
        "Your own randomness for the draw (at least 128 bits, 22 to 128 of A-Z a-z 0-9 _ -); the ticket's entry_hash is sha256hex(nonce). Absent: the service makes one.",
    },
    altcha: {
      type: 'string',
      maxLength: 8192,
      description: 'The ALTCHA solution, when QUEUE_POW_MAX_NUMBER > 0',
    },
  },
};

export interface JoinQueueBody {
  customer_id?: string;
  nonce?: string;
  altcha?: string;
}

import { CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN } from '../common/customer-id';

/**
 * POST /api/holds's body: this schema is both what Fastify validates (see ValidatedBody)
 * and the OpenAPI request body.
 */
export const CREATE_HOLD_BODY = {
  type: 'object' as const,
  required: ['product_id', 'quantity'],
  // An unknown field is a 422 naming it (see ValidatedBody), never silently dropped.
  additionalProperties: false as const,
  properties: {
    product_id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    /** The upper bound is MAX_HOLD_QUANTITY, checked by the service (it is configuration). */
    quantity: { type: 'integer', minimum: 1, description: 'At most MAX_HOLD_QUANTITY (default 100)' },
    // null means no customer, as leaving it out does.
    customer_id: {
      type: 'string',
      nullable: true,
      pattern: CUSTOMER_ID_PATTERN.source,
      maxLength: CUSTOMER_ID_MAX_LENGTH,
      description:
        "The buyer: 1 to 255 printable ASCII characters, compared exactly. With BUYER_AUTH=off, the storefront's reference for the " +
        "buyer, sent by the storefront's backend (not the browser), required when the product has max_per_customer. With " +
        "BUYER_AUTH=jwt, leave it out (the token's sub is used) or send the token's sub (anything else is 403 CUSTOMER_MISMATCH).",
    },
  },
};

export interface CreateHoldBody {
  product_id: number;
  quantity: number;
  customer_id?: string | null;
}

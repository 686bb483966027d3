/** The name of the buyer bearer scheme (BUYER_AUTH=jwt) in the OpenAPI document. */
export const BUYER_BEARER = 'buyer-token';

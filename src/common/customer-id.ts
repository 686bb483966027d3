/**
 * What a customer reference may look like, from a body or a token's `sub`: 1 to 255
 * printable ASCII characters, as identity providers' subjects are (`auth0|64f...`,
 * `google-oauth2|1093...`, a Cognito UUID, an e-mail). Compared exactly (binary collation).
 */
export const CUSTOMER_ID_PATTERN = /^[\x20-\x7e]{1,255}$/;
export const CUSTOMER_ID_MAX_LENGTH = 255;

export function isCustomerId(value: unknown): value is string {
  return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value);
}

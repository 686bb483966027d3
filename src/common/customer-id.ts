/** What a customer reference may look like: ids, emails, prefixed ids (`cus:42`). No spaces. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9_\-.:@]{1,64}$/;

export function isCustomerId(value: unknown): value is string {
  return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value);
}

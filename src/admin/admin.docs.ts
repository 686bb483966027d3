/** The name of the bearer security scheme of the admin routes in the OpenAPI document. */
export const ADMIN_BEARER = 'admin-token';

/**
 * draft: being prepared, invisible to buyers. live: on sale (the default). archived: taken off
 * the shop. Only a live product is readable, holdable and streamed by the public routes; the
 * admin API sees every product.
 */
export const PRODUCT_STATUSES = ['draft', 'live', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export function isPublic(product: { status: ProductStatus }): boolean {
  return product.status === 'live';
}

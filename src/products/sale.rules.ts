import type { Product } from './product.entity';
import { SaleEndedError, SaleNotStartedError } from './product.errors';

type SaleSettings = Pick<Product, 'id' | 'saleStartsAt' | 'saleEndsAt' | 'maxPerCustomer'>;

/**
 * Whether a hold on this product needs more than the stock check: a window to compare with
 * the database's clock, or a per-customer count. Products with neither (the common case, and
 * the hot one) cost no extra query.
 */
export function hasSaleRules(product: SaleSettings): boolean {
  return product.saleStartsAt !== null || product.saleEndsAt !== null || product.maxPerCustomer !== null;
}

/** The refusal for a hold at `now`, or null inside the window: [starts, ends). */
export function saleWindowRefusal(
  product: SaleSettings,
  now: Date,
): SaleNotStartedError | SaleEndedError | null {
  if (product.saleStartsAt && now.getTime() < product.saleStartsAt.getTime()) {
    return new SaleNotStartedError(product.id, product.saleStartsAt);
  }
  if (product.saleEndsAt && now.getTime() >= product.saleEndsAt.getTime()) {
    return new SaleEndedError(product.id, product.saleEndsAt);
  }
  return null;
}

import { ValidationFailedError } from '../common/errors/domain.error';
import { parseId } from '../common/pipes/parse-id.pipe';

/** Most products one multi-product stream may watch (the sale board's page of 50). */
export const MAX_STREAM_PRODUCTS = 50;

/** `ids=1,2,3`: 1 to 50 distinct product ids, in the order given. */
export function parseStreamIds(value: unknown): number[] {
  const parts = typeof value === 'string' && value !== '' ? value.split(',') : [];
  const ids = parts.map(parseId);
  if (ids.length === 0 || ids.some((id) => id === undefined)) {
    throw invalid('ids must be a comma-separated list of positive integer product ids');
  }
  const distinct = [...new Set(ids as number[])];
  if (distinct.length > MAX_STREAM_PRODUCTS) {
    throw invalid(`ids must name at most ${MAX_STREAM_PRODUCTS} products`);
  }
  return distinct;
}

function invalid(message: string): ValidationFailedError {
  return new ValidationFailedError({ ids: [message] });
}

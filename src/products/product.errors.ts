import { DomainError } from '../common/errors/domain.error';

export class ProductNotFoundError extends DomainError {
  readonly code = 'PRODUCT_NOT_FOUND';
  readonly kind = 'not_found';

  constructor(productId: number) {
    super(`Product ${productId} not found`);
  }
}

export class InsufficientStockError extends DomainError {
  readonly code = 'INSUFFICIENT_STOCK';
  readonly kind = 'conflict';

  constructor(
    readonly requested: number,
    readonly available: number,
  ) {
    super(`Insufficient stock: requested ${requested}, only ${available} available`);
  }
}

export class SaleNotStartedError extends DomainError {
  readonly code = 'SALE_NOT_STARTED';
  readonly kind = 'conflict';

  constructor(productId: number, startsAt: Date) {
    super(`The sale of product ${productId} has not started: it starts at ${startsAt.toISOString()}`);
  }
}

export class SaleEndedError extends DomainError {
  readonly code = 'SALE_ENDED';
  readonly kind = 'conflict';

  constructor(productId: number, endedAt: Date) {
    super(`The sale of product ${productId} ended at ${endedAt.toISOString()}`);
  }
}

import { DomainError } from '../common/errors/domain.error';

export class OrderNotFoundError extends DomainError {
  readonly code = 'ORDER_NOT_FOUND';
  readonly kind = 'not_found';

  constructor(orderId: number) {
    super(`Order ${orderId} not found`);
  }
}

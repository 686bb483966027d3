import { DomainError } from '../common/errors/domain.error';

export class OrderNotFoundError extends DomainError {
  readonly code = 'ORDER_NOT_FOUND';
  readonly kind = 'not_found';

  constructor(orderId: number) {
    super(`Order ${orderId} not found`);
  }
}

/** An operator's cancel of an order that is already completed or cancelled. */
export class OrderNotPendingError extends DomainError {
  readonly code = 'ORDER_NOT_PENDING';
  readonly kind = 'conflict';

  constructor(orderId: number, status: string) {
    super(`Order ${orderId} is ${status}; only a pending order can be cancelled`);
  }
}

/** A restore of an order that is not cancelled, or for which no payment arrived after cancellation. */
export class OrderNotRestorableError extends DomainError {
  readonly code = 'ORDER_NOT_RESTORABLE';
  readonly kind = 'conflict';

  constructor(orderId: number) {
    super(`Order ${orderId} cannot be restored: only a cancelled order paid after its cancellation can`);
  }
}

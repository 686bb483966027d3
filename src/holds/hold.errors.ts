import { DomainError } from '../common/errors/domain.error';

export class HoldNotFoundError extends DomainError {
  readonly code = 'HOLD_NOT_FOUND';
  readonly kind = 'not_found';

  constructor(holdId: number) {
    super(`Hold ${holdId} not found`);
  }
}

export class HoldExpiredError extends DomainError {
  readonly code = 'HOLD_EXPIRED';
  readonly kind = 'conflict';

  constructor(holdId: number) {
    super(`Hold ${holdId} has expired`);
  }
}

export class HoldReleasedError extends DomainError {
  readonly code = 'HOLD_RELEASED';
  readonly kind = 'conflict';

  constructor(holdId: number) {
    super(`Hold ${holdId} has been released and its stock returned`);
  }
}

export class HoldAlreadyUsedError extends DomainError {
  readonly code = 'HOLD_ALREADY_USED';
  readonly kind = 'conflict';

  constructor(holdId: number) {
    super(`Hold ${holdId} has already been used for an order`);
  }
}

export class CustomerLimitExceededError extends DomainError {
  readonly code = 'CUSTOMER_LIMIT_EXCEEDED';
  readonly kind = 'conflict';

  constructor(
    readonly requested: number,
    readonly remaining: number,
    readonly max: number,
  ) {
    super(
      `Customer limit exceeded: at most ${max} units per customer, ${remaining} left for this customer, requested ${requested}`,
    );
  }
}

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

/** A product with a waiting room: POST /api/holds needs the Admission-Token its ticket got. */
export class AdmissionRequiredError extends DomainError {
  readonly code = 'ADMISSION_REQUIRED';
  readonly kind = 'forbidden';

  constructor(productId: number) {
    super(
      `Product ${productId} has a waiting room: send the Admission-Token header your admitted ticket carries`,
    );
  }
}

/** Forged, for another product or for another buyer than the hold's. */
export class AdmissionInvalidError extends DomainError {
  readonly code = 'ADMISSION_INVALID';
  readonly kind = 'forbidden';

  constructor() {
    super('The Admission-Token is not valid for this product and buyer');
  }
}

export class AdmissionExpiredError extends DomainError {
  readonly code = 'ADMISSION_EXPIRED';
  readonly kind = 'forbidden';

  constructor() {
    super('The admission has expired: join the queue again');
  }
}

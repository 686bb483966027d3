import { DomainError } from '../common/errors/domain.error';

export class QueueNotEnabledError extends DomainError {
  readonly code = 'QUEUE_NOT_ENABLED';
  readonly kind = 'conflict';

  constructor(productId: number) {
    super(`Product ${productId} has no waiting room`);
  }
}

export class NonceReusedError extends DomainError {
  readonly code = 'NONCE_REUSED';
  readonly kind = 'conflict';

  constructor() {
    super('This nonce was already used on this product: send a new random one (or none)');
  }
}

export class TicketNotFoundError extends DomainError {
  readonly code = 'TICKET_NOT_FOUND';
  readonly kind = 'not_found';

  constructor() {
    super('No such ticket for this product');
  }
}

export class DrawNotReadyError extends DomainError {
  readonly code = 'DRAW_NOT_READY';
  readonly kind = 'conflict';

  constructor(startsAt: Date) {
    super(`The draw happens at the start of the sale, ${startsAt.toISOString()}`);
  }
}

export class NoDrawError extends DomainError {
  readonly code = 'NO_DRAW';
  readonly kind = 'conflict';

  constructor(productId: number) {
    super(`Product ${productId}'s queue has no pre-queue: every ticket is first come first served`);
  }
}

export class PowRequiredError extends DomainError {
  readonly code = 'POW_REQUIRED';
  readonly kind = 'forbidden';

  constructor() {
    super('Joining needs a proof of work: solve GET /api/products/:id/queue/challenge and send it as altcha');
  }
}

export class PowInvalidError extends DomainError {
  readonly code = 'POW_INVALID';
  readonly kind = 'forbidden';

  constructor() {
    super(
      'The altcha solution is not valid: malformed, tampered, unsolved, expired, for another product or already used; solve a new challenge',
    );
  }
}

export class PowNotRequiredError extends DomainError {
  readonly code = 'POW_NOT_REQUIRED';
  readonly kind = 'conflict';

  constructor() {
    super('This service asks no proof of work to join (QUEUE_POW_MAX_NUMBER is 0): join without altcha');
  }
}

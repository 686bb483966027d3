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

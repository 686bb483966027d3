import { DomainError } from '../common/errors/domain.error';

/** The key was used before with another request body: a client bug, never replayed. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly kind = 'invalid';
  override readonly logLevel = 'warn';

  constructor() {
    super('This Idempotency-Key was already used with a different request body');
  }
}

/**
 * Another request with this key is being served and its answer is not stored yet. On MySQL
 * and SQLite a twin waits for the first and replays its answer instead, so clients see this
 * only when that answer cannot be read (the first one failed in a way that stored nothing).
 */
export class IdempotencyKeyInUseError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_USE';
  readonly kind = 'conflict';

  constructor() {
    super('A request with this Idempotency-Key is still being processed; retry shortly');
  }
}

/**
 * What kind of refusal an error is. The HTTP layer maps kinds to status codes, so services,
 * the BullMQ processor and the cron sweeper can throw the same errors without knowing HTTP.
 */
export type ErrorKind =
  'malformed' | 'invalid' | 'not_found' | 'conflict' | 'unauthorized' | 'forbidden' | 'unavailable';

export type FieldErrors = Record<string, string[]>;

/**
 * An empty FieldErrors to fill with paths taken from a request: without a prototype, a field
 * named `constructor` or `toString` is a key like any other, not Object.prototype's member.
 */
export function emptyFieldErrors(): FieldErrors {
  return Object.create(null) as FieldErrors;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  /** Expected refusals (no stock, expired hold) are business as usual, not incidents. */
  readonly logLevel: 'debug' | 'info' | 'warn' = 'info';
  readonly fieldErrors?: FieldErrors;
  /** Response headers the refusal needs (e.g. WWW-Authenticate on a 401). */
  readonly headers?: Readonly<Record<string, string>>;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = 'invalid';
  override readonly fieldErrors: FieldErrors;

  constructor(fieldErrors: FieldErrors, message = 'The request is invalid') {
    super(message);
    this.fieldErrors = fieldErrors;
  }
}

export class DatabaseUnavailableError extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super('The database is unavailable; retry shortly');
  }
}

/** A bounded queue in front of the database is full (see KeyedBatcher): shed, not queued forever. */
export class ServiceBusyError extends DomainError {
  readonly code = 'SERVICE_BUSY';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super('Too many hold requests are waiting; retry shortly');
  }
}

/** The process is draining after SIGTERM: a request that still reaches it goes to another one. */
export class ShuttingDownError extends DomainError {
  readonly code = 'SERVICE_BUSY';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super('This server is shutting down; retry shortly');
  }
}

/**
 * A transaction lost every retry to conflicting writes (deadlocks, lock-wait timeouts, or on
 * Galera certification failures against other nodes). Nothing was written; retrying is safe.
 */
export class WriteConflictError extends DomainError {
  readonly code = 'SERVICE_BUSY';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super('Too many conflicting writes right now; retry after the number of seconds in Retry-After');
  }
}

export class InvalidIdError extends DomainError {
  readonly code = 'INVALID_ID';
  readonly kind = 'malformed';

  constructor(value: string) {
    super(`Invalid id '${value.slice(0, 32)}': expected a positive integer`);
  }
}

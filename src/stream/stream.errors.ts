import { DomainError } from '../common/errors/domain.error';

/** STREAM_MAX_CONNECTIONS reached in this process (or it is shutting down): 503 with Retry-After. */
export class StreamsBusyError extends DomainError {
  readonly code = 'SERVICE_BUSY';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super('Too many live stock streams are open on this server; retry shortly');
  }
}

import { DomainError } from '../common/errors/domain.error';
import type { StreamRefusal } from './stream-slots';

const MESSAGES: Record<Exclude<StreamRefusal, 'unavailable'>, string> = {
  server_limit: 'Too many live stock streams are open on this server; retry shortly',
  client_limit: 'Too many live stock streams are open from this client address; close one or retry shortly',
  shutdown: 'This server is shutting down; retry shortly',
};

/**
 * A stream refused for a while (STREAM_MAX_CONNECTIONS or STREAM_MAX_PER_CLIENT reached, or
 * shutdown), answered this way to a client that does not take an event stream: 503 with
 * Retry-After. An EventSource gets a `busy` event and a retry instead (ProductStreamHub).
 */
export class StreamsBusyError extends DomainError {
  readonly code = 'SERVICE_BUSY';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';
  constructor(reason: Exclude<StreamRefusal, 'unavailable'> = 'server_limit') {
    super(MESSAGES[reason]);
  }
}

import { DomainError } from '../common/errors/domain.error';

/** No or a wrong bearer token. Never says which, and never echoes what was sent. */
export class AdminUnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly kind = 'unauthorized';
  override readonly logLevel = 'warn';
  override readonly headers = { 'www-authenticate': 'Bearer realm="admin"' };

  constructor() {
    super('A valid admin token is required: Authorization: Bearer <ADMIN_API_TOKEN>');
  }
}

export class AdminDisabledError extends DomainError {
  readonly code = 'ADMIN_DISABLED';
  readonly kind = 'forbidden';

  constructor() {
    super('The admin API is disabled: set ADMIN_API_TOKEN to enable it');
  }
}

import { DomainError } from '../common/errors/domain.error';

/** No bearer token on a buyer route (RFC 6750 3.1: no error code when none was sent). */
export class BuyerUnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly kind = 'unauthorized';
  override readonly headers = { 'www-authenticate': 'Bearer' };

  constructor() {
    super("A buyer token is required: Authorization: Bearer <the shop login's token>");
  }
}

/** A token that does not verify: bad signature, expired, not yet valid, wrong issuer or audience, unusable `sub`. */
export class InvalidBuyerTokenError extends DomainError {
  readonly code = 'INVALID_TOKEN';
  readonly kind = 'unauthorized';
  override readonly headers = { 'www-authenticate': 'Bearer error="invalid_token"' };

  /** `reason` is the verifier's own fixed wording (jose's), never a part of the token. */
  constructor(reason: string) {
    super(`Invalid buyer token: ${reason}`);
  }
}

/** The body names a customer other than the verified buyer. */
export class CustomerMismatchError extends DomainError {
  readonly code = 'CUSTOMER_MISMATCH';
  readonly kind = 'forbidden';

  constructor() {
    super("customer_id must be the token's subject (sub), or be left out");
  }
}

/** The identity provider's keys could not be fetched: nobody's fault the client can fix; retry. */
export class BuyerKeysUnavailableError extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly kind = 'unavailable';
  override readonly logLevel = 'warn';

  constructor() {
    super("The identity provider's signing keys could not be fetched; retry shortly");
  }
}

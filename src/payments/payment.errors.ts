import { DomainError } from '../common/errors/domain.error';

export class InvalidSignatureError extends DomainError {
  readonly code = 'INVALID_SIGNATURE';
  readonly kind = 'unauthorized';
  override readonly logLevel = 'warn';

  constructor(reason: string) {
    super(`Invalid webhook signature: ${reason}`);
  }
}

export class EventPayloadMismatchError extends DomainError {
  readonly code = 'EVENT_PAYLOAD_MISMATCH';
  readonly kind = 'conflict';
  override readonly logLevel = 'warn';

  constructor(eventId: string) {
    super(`Event ${eventId} was already received with a different order or status`);
  }
}

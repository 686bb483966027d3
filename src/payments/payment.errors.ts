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

export class LivemodeMismatchError extends DomainError {
  readonly code = 'LIVEMODE_MISMATCH';
  readonly kind = 'malformed';
  override readonly logLevel = 'warn';

  constructor(eventId: string, expected: boolean) {
    const mode = (live: boolean) => (live ? 'live-mode' : 'test-mode');
    super(
      `Event ${eventId} is a ${mode(!expected)} event; this deployment takes ${mode(expected)} events only ` +
        `(PAYMENT_LIVEMODE=${expected})`,
    );
  }
}

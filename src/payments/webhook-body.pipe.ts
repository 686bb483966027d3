import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ApiValidationPipe } from '../common/pipes/api-validation.pipe';
import { PaymentWebhookDto } from './dto/payment-webhook.dto';
import { StripeEventDto } from './stripe/stripe-event.dto';

export type WebhookBody = PaymentWebhookDto | StripeEventDto;

/** A Stripe Event object says so itself (`"object": "event"`); the original body never does. */
export function isStripeEventShape(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'event';
}

/**
 * Validates the webhook body as the shape it has: a Stripe event, or the original body with
 * exactly the checks (and 422 field errors) it always had. The one body whose unknown fields
 * are dropped, not refused: Stripe adds fields to its events without notice.
 */
@Injectable()
export class WebhookBodyPipe implements PipeTransform<unknown, Promise<WebhookBody>> {
  private readonly validation = new ApiValidationPipe({ unknownBodyFields: 'strip' });

  transform(value: unknown, metadata: ArgumentMetadata): Promise<WebhookBody> {
    const metatype = isStripeEventShape(value) ? StripeEventDto : PaymentWebhookDto;
    return this.validation.transform(value, { ...metadata, metatype }) as Promise<WebhookBody>;
  }
}

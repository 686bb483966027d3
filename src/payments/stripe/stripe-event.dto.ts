import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class StripeEventDataDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The PaymentIntent or Checkout Session. Order: `metadata.order_id`, else `client_reference_id`; amount: ' +
      '`amount_received` (PaymentIntent) or `amount_total` (Checkout Session), in the smallest unit, with `currency`',
    example: {
      id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      object: 'payment_intent',
      amount: 49995,
      amount_received: 49995,
      currency: 'usd',
      metadata: { order_id: '1' },
      status: 'succeeded',
    },
  })
  @IsObject()
  object: Record<string, unknown>;
}

/**
 * Stripe's Event object (https://docs.stripe.com/api/events/object), as a Stripe webhook
 * endpoint receives it. Only what decides the outcome is validated here; the fields of
 * `data.object` a type needs are checked by the mapper (stripe-event.mapper.ts).
 */
export class StripeEventDto {
  @ApiProperty({
    maxLength: 255,
    description: "Stripe's event id: a redelivery carries the same one",
    example: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  id: string;

  @ApiProperty({ enum: ['event'], description: 'What tells a Stripe event from the original body' })
  @Equals('event')
  object: 'event';

  @ApiProperty({ maxLength: 255, example: 'payment_intent.succeeded' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  type: string;

  @ApiProperty({
    description: 'Must equal PAYMENT_LIVEMODE (test and live traffic never mix)',
    example: false,
  })
  @IsBoolean()
  livemode: boolean;

  @ApiProperty({ type: StripeEventDataDto })
  @IsObject()
  @ValidateNested()
  @Type(() => StripeEventDataDto)
  data: StripeEventDataDto;
}

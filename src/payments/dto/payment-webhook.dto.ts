import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { PAYMENT_STATUSES, PaymentStatus } from '../../orders/order-status';

export class PaymentWebhookDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    description: "The provider's event id: a redelivery carries the same one",
    example: 'evt_abc123',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  event_id: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  order_id: number;

  @ApiProperty({
    enum: PAYMENT_STATUSES,
    description: 'paid: pending -> completed; failed: pending -> cancelled and the units go back',
    example: 'paid',
  })
  @IsIn(PAYMENT_STATUSES)
  status: PaymentStatus;
}

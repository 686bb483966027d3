import { IsIn, IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { PAYMENT_STATUSES, PaymentStatus } from '../../orders/order-status';

export class PaymentWebhookDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  event_id: string;

  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  order_id: number;

  @IsIn(PAYMENT_STATUSES)
  status: PaymentStatus;
}

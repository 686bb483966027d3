import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES, OrderStatus } from '../../orders/order-status';

/** `data` of a webhook answer: the order and the status it is in now. */
export class WebhookResultDto {
  @ApiProperty({ type: 'integer', example: 1 })
  order_id: number;

  @ApiProperty({ enum: ORDER_STATUSES, example: 'completed' })
  status: OrderStatus;
}

import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES, OrderStatus } from '../../orders/order-status';

/** `data` of a webhook answer: the order and the status it is in now (both null for an event naming no order). */
export class WebhookResultDto {
  @ApiProperty({ type: 'integer', nullable: true, example: 1 })
  order_id: number | null;

  @ApiProperty({ enum: ORDER_STATUSES, nullable: true, example: 'completed' })
  status: OrderStatus | null;
}

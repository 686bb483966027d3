import { StockMovement } from '../products/stock/stock-movement.entity';
import { Hold } from '../holds/hold.entity';
import { IdempotencyRecord } from '../idempotency/idempotency-record.entity';
import { Order } from '../orders/order.entity';
import { PaymentEvent } from '../payments/payment-event.entity';
import { Product } from '../products/product.entity';

export const ENTITIES = [Product, Hold, Order, PaymentEvent, IdempotencyRecord, StockMovement];

import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Buyer } from '../buyers/buyer';
import { BuyerAuthenticated, CurrentBuyer } from '../buyers/buyer-auth.guard';
import { ApiErrors, ApiSuccess, BODY_ERRORS, IDEMPOTENCY_ERRORS } from '../common/http/api-responses';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ApiIdempotencyKey } from '../idempotency/idempotency.docs';
import { Idempotent, IdempotencyKey } from '../idempotency/idempotency.interceptor';
import { RateLimited } from '../security/rate-limit';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { CreateOrderDto } from './dto/create-order.dto';
import { createdOrderAnswer, OrderResponseDto } from './dto/order-response.dto';
import { OrdersService } from './orders.service';

const ORDER = {
  id: 1,
  hold_id: 1,
  product_id: 1,
  quantity: 5,
  customer_id: null,
  amount: '499.95',
  status: 'pending',
  cancel_reason: null,
  payment_idempotency_key: null,
  created_at: '2026-11-26T12:00:30.000Z',
  updated_at: '2026-11-26T12:00:30.000Z',
};
const TIMED_OUT = {
  ...ORDER,
  status: 'cancelled',
  cancel_reason: 'payment_timeout',
  updated_at: '2026-11-26T12:30:31.000Z',
};
const COMPLETED = {
  ...ORDER,
  status: 'completed',
  payment_idempotency_key: 'evt_abc123',
  updated_at: '2026-11-26T12:01:00.000Z',
};

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @BuyerAuthenticated()
  @RateLimited()
  @Idempotent('orders')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Turn an active hold into a pending order',
    description:
      "The hold must exist, must not be expired or released, and can be used once. With BUYER_AUTH=jwt, another buyer's hold is 404 HOLD_NOT_FOUND.",
  })
  @ApiBody({ type: CreateOrderDto, examples: { 'order hold 1': { value: { hold_id: 1 } } } })
  @ApiSuccess({
    status: 201,
    type: OrderResponseDto,
    description: 'The pending order',
    examples: { created: { status: 'success', data: ORDER } },
  })
  @ApiErrors(
    BODY_ERRORS,
    { 404: ['HOLD_NOT_FOUND'], 409: ['HOLD_EXPIRED', 'HOLD_RELEASED', 'HOLD_ALREADY_USED'] },
    IDEMPOTENCY_ERRORS,
  )
  async create(
    @Body() body: CreateOrderDto,
    @CurrentBuyer() buyer: Buyer | null,
    @IdempotencyKey() idempotency?: IdempotentRequest,
  ) {
    return createdOrderAnswer(await this.orders.createFromHold(body.hold_id, idempotency, buyer?.id ?? null));
  }

  @Get()
  @BuyerAuthenticated()
  @ApiOperation({
    summary: 'List orders, newest first',
    description:
      "With BUYER_AUTH=jwt, the caller's own orders only; with BUYER_AUTH=off, every order with customer_id null.",
  })
  @ApiSuccess({
    type: OrderResponseDto,
    list: true,
    description: 'A page of orders',
    examples: { page: { status: 'success', data: [ORDER], meta: { page: 1, per_page: 50, total: 1 } } },
  })
  @ApiErrors({ 422: ['VALIDATION_FAILED'], 503: ['SERVICE_UNAVAILABLE'] })
  async list(@Query() query: PaginationQueryDto, @CurrentBuyer() buyer: Buyer | null) {
    const [orders, total] = await this.orders.findPage(toPageRequest(query), buyer?.id ?? null);
    return page(
      orders.map((order) => OrderResponseDto.from(order, buyer !== null)),
      { page: query.page, per_page: query.per_page, total },
    );
  }

  @Get(':id')
  @BuyerAuthenticated()
  @ApiOperation({
    summary: 'One order',
    description: "With BUYER_AUTH=jwt, another buyer's order is 404 ORDER_NOT_FOUND.",
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 }, example: 1 })
  @ApiSuccess({
    type: OrderResponseDto,
    description: 'The order',
    examples: {
      pending: { status: 'success', data: ORDER },
      'completed (after evt_abc123 paid)': { status: 'success', data: COMPLETED },
      'cancelled (no payment in time)': { status: 'success', data: TIMED_OUT },
    },
  })
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['ORDER_NOT_FOUND'], 503: ['SERVICE_UNAVAILABLE'] })
  async get(@Param('id', ParseIdPipe) id: number, @CurrentBuyer() buyer: Buyer | null) {
    return success(OrderResponseDto.from(await this.orders.findOne(id, buyer?.id ?? null), buyer !== null));
  }
}

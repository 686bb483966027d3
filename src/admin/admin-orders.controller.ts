import { NoBody } from '../common/http/no-body';
import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSuccess, BODY_ERRORS, IDEMPOTENCY_ERRORS } from '../common/http/api-responses';
import { page, success } from '../common/http/envelope';
import { toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ApiIdempotencyKey } from '../idempotency/idempotency.docs';
import { Idempotent, IdempotencyKey } from '../idempotency/idempotency.interceptor';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { RateLimited } from '../security/rate-limit';
import { AdminAuthGuard, Operator } from './admin-auth.guard';
import { AdminOrdersService } from './admin-orders.service';
import { ADMIN_BEARER } from './admin.docs';
import { AdminOrderDetailDto, AdminOrderResponseDto } from './dto/admin-order-response.dto';
import { AdminOrdersQueryDto } from './dto/admin-orders-query.dto';
import { CancelOrderDto } from './dto/cancel-order.dto';

const AUTH_ERRORS = { 401: ['UNAUTHORIZED'], 403: ['ADMIN_DISABLED'] } as const;
const ID_PARAM = { name: 'id', schema: { type: 'integer', minimum: 1 }, example: 7 } as const;
const ORDER = {
  id: 7,
  hold_id: 12,
  product_id: 2,
  customer_id: 'customer-42',
  quantity: 2,
  amount: '259.80',
  status: 'cancelled',
  cancel_reason: 'payment_timeout',
  payment_idempotency_key: null,
  paid_after_cancellation: true,
  created_at: '2026-12-01T09:00:30.000Z',
  updated_at: '2026-12-01T09:30:31.000Z',
};
const DETAIL = {
  ...ORDER,
  hold: {
    id: 12,
    quantity: 2,
    customer_id: 'customer-42',
    status: 'used',
    created_at: '2026-12-01T09:00:10.000Z',
    hold_expires_at: '2026-12-01T09:02:10.000Z',
    used_at: '2026-12-01T09:00:30.000Z',
    released_at: null,
  },
  payment_events: [
    {
      event_id: 'evt_late',
      type: 'payment_intent.succeeded',
      status: 'paid',
      amount: 25980,
      currency: 'eur',
      received_at: '2026-12-01T09:31:00.000Z',
      outcome: 'paid_after_cancellation',
    },
  ],
};
const detail = (description: string) => ({
  type: AdminOrderDetailDto,
  description,
  examples: { order: { status: 'success', data: DETAIL } },
});

/** Orders for the operator: find them, cancel a pending one, restore one paid after its cancellation. */
@ApiTags('admin')
@ApiBearerAuth(ADMIN_BEARER)
@Controller('admin/orders')
@UseGuards(AdminAuthGuard)
@RateLimited()
export class AdminOrdersController {
  constructor(private readonly admin: AdminOrdersService) {}

  @Get()
  @ApiOperation({
    summary: 'Orders, newest first, with their customer, cancel reason and late payments',
    description:
      'Filters are ANDed: status, product_id, customer_id (exact), created_from (inclusive), created_to (exclusive).',
  })
  @ApiSuccess({
    type: AdminOrderResponseDto,
    list: true,
    description: 'A page of orders',
    examples: { page: { status: 'success', data: [ORDER], meta: { page: 1, per_page: 50, total: 1 } } },
  })
  @ApiErrors({ 422: ['VALIDATION_FAILED'], 503: ['SERVICE_UNAVAILABLE'] }, AUTH_ERRORS)
  async list(@Query() query: AdminOrdersQueryDto) {
    const [views, total] = await this.admin.findPage(
      {
        status: query.status,
        productId: query.product_id,
        customerId: query.customer_id,
        createdFrom: query.created_from === undefined ? undefined : new Date(query.created_from),
        createdTo: query.created_to === undefined ? undefined : new Date(query.created_to),
      },
      toPageRequest(query),
    );
    return page(
      views.map((view) => AdminOrderResponseDto.from(view)),
      { page: query.page, per_page: query.per_page, total },
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order with its hold and its payment events, in order of arrival' })
  @ApiParam(ID_PARAM)
  @ApiSuccess(detail('The order'))
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['ORDER_NOT_FOUND'], 503: ['SERVICE_UNAVAILABLE'] }, AUTH_ERRORS)
  async get(@Param('id', ParseIdPipe) id: number) {
    return success(AdminOrderDetailDto.fromDetail(await this.admin.findOne(id)));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @Idempotent('admin_order_cancel')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Cancel a pending order (cancel_reason operator); its units go back on sale once',
    description:
      'Under the product lock, then the order lock, like every stock change; a stock movement (operator_cancel) records it. ' +
      'A payment that arrives afterwards is recorded as paid_after_cancellation.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ type: CancelOrderDto, examples: { cancel: { value: { reason: 'customer asked by phone' } } } })
  @ApiSuccess(detail('The order, cancelled'))
  @ApiErrors(
    BODY_ERRORS,
    { 400: ['INVALID_ID'], 404: ['ORDER_NOT_FOUND'], 409: ['ORDER_NOT_PENDING'] },
    IDEMPOTENCY_ERRORS,
    AUTH_ERRORS,
  )
  async cancel(
    @Param('id', ParseIdPipe) id: number,
    @Body() body: CancelOrderDto,
    @Operator() operator: string,
    @IdempotencyKey() idempotency?: IdempotentRequest,
  ) {
    return success(
      AdminOrderDetailDto.fromDetail(await this.admin.cancel(id, body.reason, operator, idempotency)),
    );
  }

  @Post(':id/restore')
  @HttpCode(HttpStatus.OK)
  @Idempotent('admin_order_restore')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary:
      'Restore a cancelled order that was paid after its cancellation: it becomes completed and takes its units again',
    description:
      'Under the product lock; a stock movement (restore) records it. When the units are gone: 409 INSUFFICIENT_STOCK, ' +
      'nothing changes, and the customer is refunded in the payment provider.',
  })
  @ApiParam(ID_PARAM)
  @ApiSuccess(detail('The order, completed'))
  @ApiErrors(
    {
      400: ['INVALID_ID'],
      404: ['ORDER_NOT_FOUND'],
      409: ['ORDER_NOT_RESTORABLE', 'INSUFFICIENT_STOCK'],
      422: ['VALIDATION_FAILED'],
    },
    IDEMPOTENCY_ERRORS,
    AUTH_ERRORS,
    { 503: ['SERVICE_UNAVAILABLE'] },
  )
  async restore(
    @Param('id', ParseIdPipe) id: number,
    @Operator() operator: string,
    @NoBody() _body: void,
    @IdempotencyKey() idempotency?: IdempotentRequest,
  ) {
    return success(AdminOrderDetailDto.fromDetail(await this.admin.restore(id, operator, idempotency)));
  }
}

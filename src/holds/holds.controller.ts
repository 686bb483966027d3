import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Buyer } from '../buyers/buyer';
import { BuyerAuthenticated, CurrentBuyer } from '../buyers/buyer-auth.guard';
import { ApiErrors, ApiSuccess, BODY_ERRORS, IDEMPOTENCY_ERRORS } from '../common/http/api-responses';
import { ValidatedBody } from '../common/http/body-schema';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ApiIdempotencyKey } from '../idempotency/idempotency.docs';
import { Idempotent, IdempotencyKey } from '../idempotency/idempotency.interceptor';
import { RateLimited } from '../security/rate-limit';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { CREATE_HOLD_BODY, type CreateHoldBody } from './create-hold.schema';
import { CreatedHoldResponseDto, createdHoldAnswer, HoldResponseDto } from './dto/hold-response.dto';
import { HoldsService } from './holds.service';
import { HoldReadsService } from './hold-reads.service';

const CREATED = {
  hold_id: 1,
  product_id: 1,
  quantity: 5,
  customer_id: null,
  status: 'active',
  hold_expires_at: '2026-11-26T12:02:00.000Z',
};
const HOLD = {
  id: 1,
  product_id: 1,
  quantity: 5,
  customer_id: null,
  status: 'active',
  hold_expires_at: '2026-11-26T12:02:00.000Z',
  released_at: null,
  used_at: null,
  created_at: '2026-11-26T12:00:00.000Z',
};

@ApiTags('holds')
@Controller('holds')
export class HoldsController {
  constructor(
    private readonly holds: HoldsService,
    private readonly reads: HoldReadsService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @BuyerAuthenticated()
  @RateLimited()
  @Idempotent('holds')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Reserve stock for HOLD_TTL_SECONDS',
    description:
      'Never oversells: a refused request (409) takes nothing. An expired hold gives its units back.',
  })
  @ValidatedBody(CREATE_HOLD_BODY, {
    'hold 5 of product 1': { value: { product_id: 1, quantity: 5 } },
    'for a customer': { value: { product_id: 1, quantity: 2, customer_id: 'cus_42' } },
  })
  @ApiSuccess({
    status: 201,
    type: CreatedHoldResponseDto,
    description: 'The hold',
    examples: { created: { status: 'success', data: CREATED } },
  })
  @ApiErrors(
    BODY_ERRORS,
    {
      404: ['PRODUCT_NOT_FOUND'],
      403: ['CUSTOMER_MISMATCH', 'ADMISSION_REQUIRED', 'ADMISSION_INVALID', 'ADMISSION_EXPIRED'],
      409: ['INSUFFICIENT_STOCK', 'SALE_NOT_STARTED', 'SALE_ENDED', 'CUSTOMER_LIMIT_EXCEEDED'],
    },
    IDEMPOTENCY_ERRORS,
  )
  @ApiHeader({
    name: 'Admission-Token',
    required: false,
    description:
      "Required on a product with queue_enabled: the admitted ticket's admission_token (a hold naming no customer_id takes the ticket's buyer)",
  })
  async create(
    @Body() body: CreateHoldBody,
    @CurrentBuyer() buyer: Buyer | null,
    @Headers('admission-token') admissionToken?: string,
    @IdempotencyKey() idempotency?: IdempotentRequest,
  ) {
    // A verified buyer holds for themselves (BuyerAuthGuard refused a body naming anyone else).
    const customerId = buyer?.id ?? body.customer_id ?? null;
    const hold = await this.holds.create(
      body.product_id,
      body.quantity,
      idempotency,
      customerId,
      admissionToken,
    );
    return createdHoldAnswer(hold);
  }

  @Get()
  @BuyerAuthenticated()
  @ApiOperation({
    summary: 'List holds, newest first',
    description:
      "With BUYER_AUTH=jwt, the caller's own holds only; with BUYER_AUTH=off, every hold with customer_id null.",
  })
  @ApiSuccess({
    type: HoldResponseDto,
    list: true,
    description: 'A page of holds',
    examples: { page: { status: 'success', data: [HOLD], meta: { page: 1, per_page: 50, total: 1 } } },
  })
  @ApiErrors({ 422: ['VALIDATION_FAILED'], 503: ['SERVICE_UNAVAILABLE'] })
  async list(@Query() query: PaginationQueryDto, @CurrentBuyer() buyer: Buyer | null) {
    const { holds, total, now } = await this.reads.findPage(toPageRequest(query), buyer?.id ?? null);
    return page(
      holds.map((hold) => HoldResponseDto.from(hold, now, buyer !== null)),
      { page: query.page, per_page: query.per_page, total },
    );
  }

  @Get(':id')
  @BuyerAuthenticated()
  @ApiOperation({
    summary: 'One hold with its status (active, used or expired)',
    description: "With BUYER_AUTH=jwt, another buyer's hold is 404 HOLD_NOT_FOUND.",
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 }, example: 1 })
  @ApiSuccess({
    type: HoldResponseDto,
    description: 'The hold',
    examples: { hold: { status: 'success', data: HOLD } },
  })
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['HOLD_NOT_FOUND'], 503: ['SERVICE_UNAVAILABLE'] })
  async get(@Param('id', ParseIdPipe) id: number, @CurrentBuyer() buyer: Buyer | null) {
    const { hold, now } = await this.reads.findOne(id, buyer?.id ?? null);
    return success(HoldResponseDto.from(hold, now, buyer !== null));
  }
}

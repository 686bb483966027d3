import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSuccess, BODY_ERRORS, IDEMPOTENCY_ERRORS } from '../common/http/api-responses';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ApiIdempotencyKey } from '../idempotency/idempotency.docs';
import { Idempotent, IdempotencyKey } from '../idempotency/idempotency.interceptor';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { RateLimited } from '../security/rate-limit';
import { AdminAuthGuard, Operator } from './admin-auth.guard';
import { AdminProductsService } from './admin-products.service';
import { ADMIN_BEARER } from './admin.docs';
import { ADMIN_PRODUCT_EXAMPLE, AdminProductResponseDto } from './dto/admin-product-response.dto';
import { AdjustStockDto } from './dto/adjust-stock.dto';
import { CreateProductDto } from './dto/create-product.dto';
import { UpdateProductDto } from './dto/update-product.dto';
import { StockMovementResponseDto } from './dto/stock-movement-response.dto';

const AUTH_ERRORS = { 401: ['UNAUTHORIZED'], 403: ['ADMIN_DISABLED'] } as const;
const ID_PARAM = { name: 'id', schema: { type: 'integer', minimum: 1 }, example: 2 } as const;
const one = (description: string, status?: 200 | 201) => ({
  status,
  type: AdminProductResponseDto,
  description,
  examples: { product: { status: 'success', data: ADMIN_PRODUCT_EXAMPLE } },
});

/**
 * The operator API. The rate limit runs first (it bounds token guessing too), then the bearer
 * token; guards run in the order they are listed here.
 */
@ApiTags('admin')
@ApiBearerAuth(ADMIN_BEARER)
@Controller('admin/products')
@UseGuards(AdminAuthGuard)
@RateLimited()
export class AdminProductsController {
  constructor(private readonly admin: AdminProductsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Create a product (all its units available), optionally with a sale window and a per-customer limit',
  })
  @ApiBody({
    type: CreateProductDto,
    examples: {
      'a limited drop': {
        value: {
          name: 'Sneaker drop, size 42',
          price: '129.90',
          total_stock: 500,
          sale_starts_at: '2026-12-01T09:00:00Z',
          sale_ends_at: '2026-12-01T10:00:00Z',
          max_per_customer: 2,
        },
      },
    },
  })
  @ApiSuccess(one('The admin view of the new product', 201))
  @ApiErrors(BODY_ERRORS, AUTH_ERRORS)
  async create(@Body() body: CreateProductDto, @Operator() operator: string) {
    return success(AdminProductResponseDto.from(await this.admin.create(body, operator)));
  }

  @Get()
  @ApiOperation({ summary: 'Products with their stock breakdown, by id' })
  @ApiSuccess({
    type: AdminProductResponseDto,
    list: true,
    description: 'A page of admin views',
    examples: {
      page: { status: 'success', data: [ADMIN_PRODUCT_EXAMPLE], meta: { page: 1, per_page: 50, total: 1 } },
    },
  })
  @ApiErrors({ 422: ['VALIDATION_FAILED'], 503: ['SERVICE_UNAVAILABLE'] }, AUTH_ERRORS)
  async list(@Query() query: PaginationQueryDto) {
    const [views, total] = await this.admin.findPage(toPageRequest(query));
    return page(
      views.map((view) => AdminProductResponseDto.from(view)),
      { page: query.page, per_page: query.per_page, total },
    );
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One product with its stock breakdown',
    description:
      'stock: available + held + ordered_pending + sold = total, read in one statement (one snapshot).',
  })
  @ApiParam(ID_PARAM)
  @ApiSuccess(one('The admin view'))
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND'], 503: ['SERVICE_UNAVAILABLE'] }, AUTH_ERRORS)
  async get(@Param('id', ParseIdPipe) id: number) {
    return success(AdminProductResponseDto.from(await this.admin.findOne(id)));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change name, price, sale window or per-customer limit',
    description:
      'null clears a window bound or the limit. A new price applies to orders created afterwards. Stock changes go through POST .../stock.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({
    type: UpdateProductDto,
    examples: {
      'move the window': {
        value: { sale_starts_at: '2026-12-01T09:30:00Z', sale_ends_at: '2026-12-01T11:00:00Z' },
      },
      'lower the price': { value: { price: '99.90' } },
      'lift the limit': { value: { max_per_customer: null } },
    },
  })
  @ApiSuccess(one('The admin view after the change'))
  @ApiErrors(BODY_ERRORS, { 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND'] }, AUTH_ERRORS)
  async update(
    @Param('id', ParseIdPipe) id: number,
    @Body() body: UpdateProductDto,
    @Operator() operator: string,
  ) {
    return success(AdminProductResponseDto.from(await this.admin.update(id, body, operator)));
  }

  @Post(':id/stock')
  @HttpCode(HttpStatus.OK)
  @Idempotent('admin_stock')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Restock (delta > 0) or remove available units (delta < 0)',
    description:
      'Total and available stock move together, under the product row lock that holds take, and the change is ' +
      'recorded in stock_movements. A removal larger than the available units is refused (409) and changes nothing.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({
    type: AdjustStockDto,
    examples: {
      restock: { value: { delta: 250, reason: 'second shipment' } },
      removal: { value: { delta: -20, reason: 'damaged' } },
    },
  })
  @ApiSuccess(one('The admin view after the change'))
  @ApiErrors(
    BODY_ERRORS,
    { 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND'], 409: ['INSUFFICIENT_STOCK'] },
    IDEMPOTENCY_ERRORS,
    AUTH_ERRORS,
  )
  async adjustStock(
    @Param('id', ParseIdPipe) id: number,
    @Body() body: AdjustStockDto,
    @Operator() operator: string,
    @IdempotencyKey() idempotency?: IdempotentRequest,
  ) {
    return success(
      AdminProductResponseDto.from(await this.admin.adjustStock(id, body, operator, idempotency)),
    );
  }

  @Get(':id/movements')
  @ApiOperation({
    summary: "The product's stock ledger, newest first",
    description:
      'Every operator stock change (initial stock, restock, removal) and every unit an operator cancel or restore moved, ' +
      'with the stock after it, the reason and the acting operator. Holds, releases and payment outcomes are not listed.',
  })
  @ApiParam(ID_PARAM)
  @ApiSuccess({
    type: StockMovementResponseDto,
    list: true,
    description: 'A page of movements',
    examples: {
      page: {
        status: 'success',
        data: [
          {
            id: 31,
            product_id: 2,
            kind: 'restock',
            delta: 250,
            total_stock: 750,
            available_stock: 730,
            reason: 'second shipment',
            actor: 'alice',
            order_id: null,
            created_at: '2026-12-01T09:12:00.000Z',
          },
        ],
        meta: { page: 1, per_page: 50, total: 1 },
      },
    },
  })
  @ApiErrors(
    {
      400: ['INVALID_ID'],
      404: ['PRODUCT_NOT_FOUND'],
      422: ['VALIDATION_FAILED'],
      503: ['SERVICE_UNAVAILABLE'],
    },
    AUTH_ERRORS,
  )
  async movements(@Param('id', ParseIdPipe) id: number, @Query() query: PaginationQueryDto) {
    const [movements, total] = await this.admin.movements(id, toPageRequest(query));
    return page(
      movements.map((movement) => StockMovementResponseDto.from(movement)),
      { page: query.page, per_page: query.per_page, total },
    );
  }
}

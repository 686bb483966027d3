import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSuccess } from '../common/http/api-responses';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ProductResponseDto } from './dto/product-response.dto';
import { ProductCacheInterceptor } from './cache/product-cache.interceptor';
import { ProductsService } from './products.service';

const EXAMPLE = {
  id: 1,
  name: 'Limited Edition Flash Sale Item',
  total_stock: 200,
  available_stock: 100,
  price: '99.99',
  sale_starts_at: null,
  sale_ends_at: null,
  max_per_customer: null,
};

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @ApiOperation({ summary: 'List products, by id' })
  @ApiSuccess({
    type: ProductResponseDto,
    list: true,
    description: 'A page of products',
    examples: { page: { status: 'success', data: [EXAMPLE], meta: { page: 1, per_page: 50, total: 1 } } },
  })
  @ApiErrors({ 422: ['VALIDATION_FAILED'], 503: ['SERVICE_UNAVAILABLE'] })
  async list(@Query() query: PaginationQueryDto) {
    const [products, total] = await this.products.findPage(toPageRequest(query));
    return page(products.map(ProductResponseDto.from), { page: query.page, per_page: query.per_page, total });
  }

  /** Cached: the one read a flash sale hammers. The list is not cached (it could not be kept fresh cheaply). */
  @Get(':id')
  @UseInterceptors(ProductCacheInterceptor)
  @ApiOperation({
    summary: 'One product with its available stock',
    description:
      'Served from a cache that every stock change invalidates before it answers: a read that starts after a hold, release or cancellation has answered shows it.',
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 }, example: 1 })
  @ApiSuccess({
    type: ProductResponseDto,
    description: 'The product (header X-Cache: HIT or MISS)',
    examples: { product: { status: 'success', data: EXAMPLE } },
  })
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND'], 503: ['SERVICE_UNAVAILABLE'] })
  async get(@Param('id', ParseIdPipe) id: number) {
    return success(ProductResponseDto.from(await this.products.findOne(id)));
  }
}

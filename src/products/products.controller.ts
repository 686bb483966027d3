import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ProductResponseDto } from './dto/product-response.dto';
import { ProductCacheInterceptor } from './product-cache.interceptor';
import { ProductsService } from './products.service';

@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  async list(@Query() query: PaginationQueryDto) {
    const [products, total] = await this.products.findPage(toPageRequest(query));
    return page(products.map(ProductResponseDto.from), { page: query.page, per_page: query.per_page, total });
  }

  /** Cached: the one read a flash sale hammers. The list is not cached (it could not be kept fresh cheaply). */
  @Get(':id')
  @UseInterceptors(ProductCacheInterceptor)
  async get(@Param('id', ParseIdPipe) id: number) {
    return success(ProductResponseDto.from(await this.products.findOne(id)));
  }
}

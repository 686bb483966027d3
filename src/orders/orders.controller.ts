import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { CreateOrderDto } from './dto/create-order.dto';
import { OrderResponseDto } from './dto/order-response.dto';
import { OrdersService } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  async create(@Body() body: CreateOrderDto) {
    return success(OrderResponseDto.from(await this.orders.createFromHold(body.hold_id)));
  }

  @Get()
  async list(@Query() query: PaginationQueryDto) {
    const [orders, total] = await this.orders.findPage(toPageRequest(query));
    return page(orders.map(OrderResponseDto.from), { page: query.page, per_page: query.per_page, total });
  }

  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number) {
    return success(OrderResponseDto.from(await this.orders.findOne(id)));
  }
}

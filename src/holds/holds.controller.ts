import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { page, success } from '../common/http/envelope';
import { PaginationQueryDto, toPageRequest } from '../common/http/pagination.dto';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { CreateHoldDto } from './dto/create-hold.dto';
import { CreatedHoldResponseDto, HoldResponseDto } from './dto/hold-response.dto';
import { HoldsService } from './holds.service';

@Controller('holds')
export class HoldsController {
  constructor(private readonly holds: HoldsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  async create(@Body() body: CreateHoldDto) {
    return success(CreatedHoldResponseDto.from(await this.holds.create(body.product_id, body.quantity)));
  }

  @Get()
  async list(@Query() query: PaginationQueryDto) {
    const [holds, total] = await this.holds.findPage(toPageRequest(query));
    const now = new Date();
    return page(
      holds.map((hold) => HoldResponseDto.from(hold, now)),
      { page: query.page, per_page: query.per_page, total },
    );
  }

  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number) {
    return success(HoldResponseDto.from(await this.holds.findOne(id), new Date()));
  }
}

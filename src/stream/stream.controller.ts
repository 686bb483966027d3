import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import { ProductStreamHub } from './product-stream.hub';
import { ApiStockStream } from './stream.docs';
import { MAX_STREAM_PRODUCTS, parseStreamIds } from './stream-ids';

@ApiTags('products')
@Controller('products')
export class StreamController {
  constructor(private readonly hub: ProductStreamHub) {}

  /** Several products on one connection: browsers open at most 6 HTTP/1.1 connections per host. */
  @Get('stream')
  @ApiStockStream(
    `Live stock of up to ${MAX_STREAM_PRODUCTS} products on one stream (an id without a product is watched until it has one)`,
    { 422: ['VALIDATION_FAILED'] },
  )
  @ApiQuery({ name: 'ids', description: 'Comma-separated product ids', example: '1,2,3' })
  streamMany(
    @Query('ids') ids: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.hub.open({ productIds: parseStreamIds(ids), requiresAll: false }, request, reply);
  }

  @Get(':id/stream')
  @ApiStockStream('Live stock of one product (Server-Sent Events)', {
    400: ['INVALID_ID'],
    404: ['PRODUCT_NOT_FOUND'],
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 }, example: 1 })
  stream(
    @Param('id', ParseIdPipe) id: number,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.hub.open({ productIds: [id], requiresAll: true }, request, reply);
  }
}

/**
 * The framework's floor, run in the same benchmark as the app: a minimal Nest 11 + Fastify
 * app with one POST behind a global class-validator ValidationPipe and one GET, nothing else.
 * Its CPU per request is what any Nest + Fastify service pays before doing any work of its own;
 * the report prints ours as a ratio to it.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Param, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsInt, Min } from 'class-validator';

class CreateHoldDto {
  @IsInt()
  @Min(1)
  product_id: number;

  @IsInt()
  @Min(1)
  quantity: number;
}

let nextId = 1;

@Controller()
class FloorController {
  @Post('holds')
  @HttpCode(201)
  create(@Body() body: CreateHoldDto) {
    return {
      status: 'success',
      data: {
        hold_id: nextId++,
        product_id: body.product_id,
        quantity: body.quantity,
        status: 'active',
        hold_expires_at: new Date().toISOString(),
      },
    };
  }

  @Get('products/:id')
  product(@Param('id') id: string) {
    return {
      status: 'success',
      data: { id: Number(id), name: 'Floor product', price: '10.00', available_stock: 100 },
    };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main() {
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), {
    logger: ['error'],
  });
  app.setGlobalPrefix('api');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  await app.listen(Number(process.env.PORT ?? 3903), '127.0.0.1');
}

void main();

import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { success } from '../common/http/envelope';
import { PaymentWebhookDto } from './dto/payment-webhook.dto';
import { PaymentsService, WebhookOutcome } from './payments.service';
import { StripeSignatureGuard } from './stripe-signature.guard';

const MESSAGES: Record<WebhookOutcome['kind'], (outcome: WebhookOutcome) => string> = {
  processed: () => 'Payment processed',
  duplicate: () => 'Webhook already processed',
  ignored: ({ order }) => `Event ignored: order already ${order.status}`,
};

@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('webhook')
  @HttpCode(HttpStatus.OK)
  @UseGuards(StripeSignatureGuard)
  async webhook(@Body() body: PaymentWebhookDto, @Req() request: RawBodyRequest<FastifyRequest>) {
    const outcome = await this.payments.handle({
      eventId: body.event_id,
      orderId: body.order_id,
      status: body.status,
      rawBody: request.rawBody ?? Buffer.alloc(0),
    });
    return success({ order_id: outcome.order.id, status: outcome.order.status }, MESSAGES[outcome.kind](outcome));
  }
}

import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSuccess, BODY_ERRORS } from '../common/http/api-responses';
import { success } from '../common/http/envelope';
import { PaymentWebhookDto } from './dto/payment-webhook.dto';
import { WebhookResultDto } from './dto/webhook-result.dto';
import { PaymentsService, WebhookOutcome } from './payments.service';
import { StripeSignatureGuard } from './stripe-signature.guard';

const MESSAGES: Record<WebhookOutcome['kind'], (outcome: WebhookOutcome) => string> = {
  processed: () => 'Payment processed',
  duplicate: () => 'Webhook already processed',
  ignored: ({ order }) => `Event ignored: order already ${order.status}`,
};

@ApiTags('payments')
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('webhook')
  @HttpCode(HttpStatus.OK)
  @UseGuards(StripeSignatureGuard)
  @ApiOperation({
    summary: "The payment provider's webhook: settles an order exactly once",
    description:
      'paid: pending -> completed. failed: pending -> cancelled, and the units go back to available_stock once. ' +
      'A redelivered event changes nothing; an event for an already settled order is acknowledged (200) and recorded; ' +
      'an event for an unknown order is answered 404 and not recorded, so the retry applies once the order exists.',
  })
  @ApiHeader({
    name: 'Stripe-Signature',
    required: false,
    description:
      'Required when PAYMENT_WEBHOOK_SECRET is set: `t=<unix seconds>,v1=<hex>[,v1=...]`, where v1 is ' +
      'HMAC-SHA256(secret, `${t}.${raw body}`). Any v1 may match; timestamps older than PAYMENT_WEBHOOK_TOLERANCE_SECONDS are refused.',
    schema: { type: 'string', example: 't=1764158400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd' },
  })
  @ApiBody({
    type: PaymentWebhookDto,
    examples: {
      'evt_abc123 paid': { value: { event_id: 'evt_abc123', order_id: 1, status: 'paid' } },
      'evt_456 failed': { value: { event_id: 'evt_456', order_id: 2, status: 'failed' } },
    },
  })
  @ApiSuccess({
    type: WebhookResultDto,
    withMessage: true,
    description: 'Processed, already processed (redelivery) or ignored (order already settled)',
    examples: {
      processed: { status: 'success', message: 'Payment processed', data: { order_id: 1, status: 'completed' } },
      duplicate: { status: 'success', message: 'Webhook already processed', data: { order_id: 1, status: 'completed' } },
      ignored: { status: 'success', message: 'Event ignored: order already completed', data: { order_id: 1, status: 'completed' } },
    },
  })
  @ApiErrors(BODY_ERRORS, { 401: ['INVALID_SIGNATURE'], 404: ['ORDER_NOT_FOUND'], 409: ['EVENT_PAYLOAD_MISMATCH'] })
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

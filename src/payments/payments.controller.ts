import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrors, ApiSuccess, BODY_ERRORS } from '../common/http/api-responses';
import { success } from '../common/http/envelope';
import type { Order } from '../orders/order.entity';
import { PaymentWebhookDto } from './dto/payment-webhook.dto';
import { StripeEventDto } from './stripe/stripe-event.dto';
import { WebhookResultDto } from './dto/webhook-result.dto';
import { PaymentsService } from './payments.service';
import { StripeSignatureGuard } from './stripe/stripe-signature.guard';
import { stripeEventExamples } from './stripe/stripe-event.examples';
import { WebhookBody, WebhookBodyPipe } from './webhook-body.pipe';
import { webhookMessage } from './webhook-message';

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
      'Takes the original body `{event_id, order_id, status}` or a Stripe Event object (`"object": "event"`), told apart by shape. ' +
      'paid: pending -> completed. failed: pending -> cancelled, and the units go back to available_stock once. ' +
      'Stripe: payment_intent.succeeded, checkout.session.completed (payment_status paid) and checkout.session.async_payment_succeeded pay; ' +
      'payment_intent.canceled, checkout.session.expired and checkout.session.async_payment_failed fail. ' +
      'payment_intent.payment_failed (a declined card) is recorded and logged, and the order stays pending: the buyer may pay again. ' +
      'The order is `data.object.metadata.order_id`, else `data.object.client_reference_id`. A success event whose amount ' +
      '(smallest unit) or currency differs from the order leaves it pending (200, recorded, logged). Other types and events ' +
      'naming no order are acknowledged (200) and recorded. Unknown fields are accepted (Stripe adds fields without notice). `livemode` must equal PAYMENT_LIVEMODE (else 400 LIVEMODE_MISMATCH). ' +
      'A redelivered event changes nothing; an event for an already settled order is acknowledged (200) and recorded; ' +
      'an event for an unknown order is answered 404 and not recorded, so the retry applies once the order exists.',
  })
  @ApiHeader({
    name: 'Stripe-Signature',
    required: false,
    description:
      'Required when PAYMENT_WEBHOOK_SECRET is set: `t=<unix seconds>,v1=<hex>[,v1=...]`, where v1 is ' +
      'HMAC-SHA256(secret, `${t}.${raw body}`). Any v1 may match; timestamps older than PAYMENT_WEBHOOK_TOLERANCE_SECONDS are refused.',
    schema: {
      type: 'string',
      example: 't=1764158400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
    },
  })
  @ApiExtraModels(PaymentWebhookDto, StripeEventDto)
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(PaymentWebhookDto) }, { $ref: getSchemaPath(StripeEventDto) }] },
    examples: {
      'evt_abc123 paid': { value: { event_id: 'evt_abc123', order_id: 1, status: 'paid' } },
      'evt_456 failed': { value: { event_id: 'evt_456', order_id: 2, status: 'failed' } },
      ...stripeEventExamples,
    },
  })
  @ApiSuccess({
    type: WebhookResultDto,
    withMessage: true,
    description:
      'Processed, already processed (redelivery) or ignored (order already settled, amount mismatch, paid after cancellation, an event that settles nothing)',
    examples: {
      processed: {
        status: 'success',
        message: 'Payment processed',
        data: { order_id: 1, status: 'completed' },
      },
      duplicate: {
        status: 'success',
        message: 'Webhook already processed',
        data: { order_id: 1, status: 'completed' },
      },
      ignored: {
        status: 'success',
        message: 'Event ignored: order already completed',
        data: { order_id: 1, status: 'completed' },
      },
      'amount mismatch': {
        status: 'success',
        message: webhookMessage({ kind: 'ignored', reason: 'amount_mismatch', order: null }, null),
        data: { order_id: 1, status: 'pending' },
      },
      'paid after cancellation': {
        status: 'success',
        message: webhookMessage(
          {
            kind: 'ignored',
            reason: 'paid_after_cancellation',
            order: { cancelReason: 'payment_timeout' } as Order,
          },
          null,
        ),
        data: { order_id: 1, status: 'cancelled' },
      },
      'declined card': {
        status: 'success',
        message: webhookMessage(
          { kind: 'ignored', reason: 'attempt_failed', order: { status: 'pending' } as Order },
          'payment_intent.payment_failed',
        ),
        data: { order_id: 1, status: 'pending' },
      },
      'unhandled type': {
        status: 'success',
        message: webhookMessage(
          { kind: 'ignored', reason: 'unhandled_type', order: null },
          'customer.created',
        ),
        data: { order_id: null, status: null },
      },
    },
  })
  @ApiErrors(BODY_ERRORS, {
    400: ['LIVEMODE_MISMATCH'],
    401: ['INVALID_SIGNATURE'],
    404: ['ORDER_NOT_FOUND'],
    409: ['EVENT_PAYLOAD_MISMATCH'],
  })
  async webhook(@Body(WebhookBodyPipe) body: WebhookBody, @Req() request: RawBodyRequest<FastifyRequest>) {
    const outcome = await this.payments.receive(body, request.rawBody ?? Buffer.alloc(0));
    const eventType = body instanceof StripeEventDto ? body.type : null;
    return success(
      { order_id: outcome.order?.id ?? null, status: outcome.order?.status ?? null },
      webhookMessage(outcome, eventType),
    );
  }
}

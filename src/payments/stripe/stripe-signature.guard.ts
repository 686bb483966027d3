import { CanActivate, ExecutionContext, Injectable, Logger, RawBodyRequest } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import type { AllConfig } from '../../config/config.types';
import { SaleMetrics } from '../../metrics/sale-metrics';
import { InvalidSignatureError } from '../payment.errors';
import { SIGNATURE_HEADER, verifyStripeSignature } from './stripe-signature';

/** Verifies the webhook's signature over the raw request bytes before anything parses them further. */
@Injectable()
export class StripeSignatureGuard implements CanActivate {
  private readonly logger = new Logger(StripeSignatureGuard.name);
  private readonly secret: string | undefined;
  private readonly toleranceSeconds: number;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly metrics: SaleMetrics,
  ) {
    this.secret = config.get('payments.webhookSecret', { infer: true });
    this.toleranceSeconds = config.getOrThrow('payments.webhookToleranceSeconds', { infer: true });
  }

  /**
   * Called once per app by PaymentsModule: Nest makes two instances of this guard (the
   * provider, and the one @UseGuards resolves), and each would warn from its own hook.
   */
  warnIfUnsigned(): void {
    if (!this.secret) {
      this.logger.warn({
        event: 'payment.signature_disabled',
        message:
          'PAYMENT_WEBHOOK_SECRET is not set: payment webhooks are accepted unsigned. Never run a sale like this.',
      });
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.secret) return true;
    const request = context.switchToHttp().getRequest<RawBodyRequest<FastifyRequest>>();
    const header = request.headers[SIGNATURE_HEADER];
    try {
      verifyStripeSignature({
        header: Array.isArray(header) ? header[0] : header,
        payload: request.rawBody ?? Buffer.alloc(0),
        secret: this.secret,
        toleranceSeconds: this.toleranceSeconds,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      return true;
    } catch (error) {
      if (error instanceof InvalidSignatureError) {
        this.metrics.payment('rejected');
        this.logger.warn({ event: 'payment.rejected', reason: 'INVALID_SIGNATURE', detail: error.message });
      }
      throw error;
    }
  }
}

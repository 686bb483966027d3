import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain.error';
import type { AllConfig } from '../config/config.types';
import { BearerTokens } from '../security/bearer-tokens';

/** The name of the bearer security scheme of GET /metrics in the OpenAPI document. */
export const METRICS_BEARER = 'metrics-token';

export class MetricsUnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly kind = 'unauthorized';
  override readonly logLevel = 'warn';
  override readonly headers = { 'www-authenticate': 'Bearer realm="metrics"' };

  constructor() {
    super('A valid metrics token is required: Authorization: Bearer <METRICS_TOKEN>');
  }
}

/**
 * Per-product stock and payment counts are business data: with METRICS_TOKEN set, GET
 * /metrics needs `Authorization: Bearer <token>` (compared in constant time, never logged).
 * Unset, /metrics stays open, for a Prometheus that reaches it over a private network.
 */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  private readonly logger = new Logger(MetricsAuthGuard.name);
  private readonly tokens: BearerTokens;

  constructor(config: ConfigService<AllConfig, true>) {
    this.tokens = new BearerTokens(config.getOrThrow('metrics.tokens', { infer: true }));
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.configured) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reason = this.tokens.refusal(request.headers.authorization);
    if (reason === null) return true;
    this.logger.warn({ event: 'metrics.unauthorized', reason, ip: request.ip });
    throw new MetricsUnauthorizedError();
  }
}

import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import type { AllConfig } from '../config/config.types';
import { BearerTokens } from '../security/bearer-tokens';
import { AdminDisabledError, AdminUnauthorizedError } from './admin.errors';

/**
 * `Authorization: Bearer <token>` against each ADMIN_API_TOKEN, in constant time (see
 * BearerTokens). The token is never logged.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly logger = new Logger(AdminAuthGuard.name);
  private readonly tokens: BearerTokens;

  constructor(config: ConfigService<AllConfig, true>) {
    this.tokens = new BearerTokens(config.getOrThrow('admin.tokens', { infer: true }));
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.configured) throw new AdminDisabledError();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reason = this.tokens.refusal(request.headers.authorization);
    if (reason === null) return true;
    this.logger.warn({
      event: 'admin.unauthorized',
      reason,
      method: request.method,
      path: request.url.split('?')[0],
      ip: request.ip,
    });
    throw new AdminUnauthorizedError();
  }
}

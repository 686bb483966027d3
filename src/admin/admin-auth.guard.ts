import { CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import type { AllConfig } from '../config/config.types';
import { BearerTokens } from '../security/bearer-tokens';
import { AdminDisabledError, AdminUnauthorizedError } from './admin.errors';

type AdminRequest = FastifyRequest & { operator?: string };

/**
 * `Authorization: Bearer <token>` against each ADMIN_API_TOKEN, in constant time (see
 * BearerTokens). The token is never logged. The operator name of the matching entry is kept
 * on the request for `@Operator()`: every stock movement and order action records it.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly logger = new Logger(AdminAuthGuard.name);
  private readonly tokens: BearerTokens;
  private readonly names: string[];

  constructor(config: ConfigService<AllConfig, true>) {
    const operators = config.getOrThrow('admin.operators', { infer: true });
    this.tokens = new BearerTokens(operators.map((operator) => operator.token));
    this.names = operators.map((operator) => operator.name);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.configured) throw new AdminDisabledError();
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const match = this.tokens.match(request.headers.authorization);
    if (typeof match === 'number') {
      request.operator = this.names[match];
      return true;
    }
    this.logger.warn({
      event: 'admin.unauthorized',
      reason: match,
      method: request.method,
      path: request.url.split('?')[0],
      ip: request.ip,
    });
    throw new AdminUnauthorizedError();
  }
}

/** The name of the operator whose token AdminAuthGuard accepted (`admin` for a bare token). */
export const Operator = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const operator = context.switchToHttp().getRequest<AdminRequest>().operator;
  if (operator === undefined) throw new Error('@Operator() on a route without AdminAuthGuard');
  return operator;
});

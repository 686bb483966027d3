import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AllConfig } from '../config/config.types';
import { AdminDisabledError, AdminUnauthorizedError } from './admin.errors';

const BEARER = /^Bearer +(\S+) *$/i;

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `Authorization: Bearer <token>` against each ADMIN_API_TOKEN. Digests are compared, so every
 * comparison takes the same time whatever the lengths, and every token is compared (no early
 * exit) so the time does not say which one nearly matched. The token is never logged.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly logger = new Logger(AdminAuthGuard.name);
  private readonly tokenDigests: Buffer[];

  constructor(config: ConfigService<AllConfig, true>) {
    this.tokenDigests = config.getOrThrow('admin.tokens', { infer: true }).map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.tokenDigests.length === 0) throw new AdminDisabledError();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token !== undefined && this.matches(token)) return true;
    this.logger.warn({
      event: 'admin.unauthorized',
      reason: header === undefined ? 'missing' : token === undefined ? 'malformed' : 'wrong_token',
      method: request.method,
      path: request.url.split('?')[0],
      ip: request.ip,
    });
    throw new AdminUnauthorizedError();
  }

  private matches(token: string): boolean {
    const given = digest(token);
    let matched = false;
    for (const expected of this.tokenDigests) matched = timingSafeEqual(given, expected) || matched;
    return matched;
  }
}

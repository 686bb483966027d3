import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  OnModuleInit,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiErrors } from '../common/http/api-responses';
import type { Buyer } from './buyer';
import { BuyerUnauthorizedError, CustomerMismatchError, InvalidBuyerTokenError } from './buyer.errors';
import { BuyerTokenVerifier } from './buyer-token.verifier';
import { BUYER_BEARER } from './buyer-auth.docs';

/** null: BUYER_AUTH=off, the caller is trusted to name the customer (the body's customer_id). */
type BuyerRequest = FastifyRequest & { buyer?: Buyer | null };

const BEARER_SCHEME = /^Bearer(?:[ \t]+(.*))?$/i;
/** The Fastify route config flag `@BuyerAuthenticated()` sets for BuyerAuthHook. */
const BUYER_ROUTE = 'buyerRoute';

/**
 * With BUYER_AUTH=jwt, the route needs `Authorization: Bearer <token>`: the verified token's
 * `sub` is the buyer (`@CurrentBuyer()`), and a body `customer_id` naming anyone else is 403.
 * With BUYER_AUTH=off it lets everything through and `@CurrentBuyer()` is null.
 *
 * BuyerAuthHook runs the same check earlier, in Fastify's preValidation (after the body is
 * parsed, before it is validated), so a caller without a valid token learns nothing else
 * (no 422 about the body, no 429); this guard then finds the buyer already set. The guard
 * stays the route's guarantee: without the hook, it checks on its own. Either way it runs
 * before the Idempotency-Key interceptor, which scopes keys by the buyer.
 */
@Injectable()
export class BuyerAuthGuard implements CanActivate {
  constructor(private readonly verifier: BuyerTokenVerifier) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<BuyerRequest>();
    if (request.buyer !== undefined) return true;
    if (!this.verifier.enabled) {
      request.buyer = null;
      return true;
    }
    const pending = this.authenticate(request);
    return pending ? pending.then(() => true) : true;
  }

  /**
   * Sets `request.buyer` from its bearer token, or throws the 401/403: synchronously for a
   * token verified before (a promise only when jose has to verify it).
   */
  authenticate(request: BuyerRequest): Promise<void> | undefined {
    const buyer = this.verifier.verify(bearerTokenOf(request.headers.authorization));
    if (buyer instanceof Promise) return buyer.then((verified) => admit(request, verified));
    admit(request, buyer);
    return undefined;
  }
}

function admit(request: BuyerRequest, buyer: Buyer): void {
  const named = (request.body as { customer_id?: unknown } | undefined)?.customer_id;
  if (named !== undefined && named !== null && named !== buyer.id) throw new CustomerMismatchError();
  request.buyer = buyer;
}

/** Runs BuyerAuthGuard's check first thing on `@BuyerAuthenticated()` routes (BUYER_AUTH=jwt only). */
@Injectable()
export class BuyerAuthHook implements OnModuleInit {
  constructor(
    private readonly verifier: BuyerTokenVerifier,
    private readonly guard: BuyerAuthGuard,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    // Absent in a process without HTTP (the worker).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || !this.verifier.enabled) return;
    fastify.addHook('preValidation', (request, _reply, done) => {
      // Unknown routes (404) and every other route pass untouched.
      const config = request.routeOptions.config as { [BUYER_ROUTE]?: boolean } | undefined;
      if (config?.[BUYER_ROUTE] !== true) return done();
      let pending: Promise<void> | undefined;
      try {
        pending = this.guard.authenticate(request);
      } catch (error) {
        return done(error as Error);
      }
      if (pending) pending.then(() => done(), done);
      else done();
    });
  }
}

/** The bearer token; no Authorization, another scheme or an empty token: there is none (401 UNAUTHORIZED). */
function bearerTokenOf(header: string | undefined): string {
  const match = header === undefined ? null : BEARER_SCHEME.exec(header.trim());
  const token = match?.[1]?.trim();
  if (!token) throw new BuyerUnauthorizedError();
  if (/\s/.test(token)) throw new InvalidBuyerTokenError('the bearer token must be one word');
  return token;
}

/** Marks a route as a buyer's (holds, orders, joining a waiting room). */
export function BuyerAuthenticated() {
  return applyDecorators(
    RouteConfig({ [BUYER_ROUTE]: true }),
    UseGuards(BuyerAuthGuard),
    ApiBearerAuth(BUYER_BEARER),
    ApiErrors({ 401: ['UNAUTHORIZED', 'INVALID_TOKEN'] }),
  );
}

/** The verified buyer of a `@BuyerAuthenticated()` route; null with BUYER_AUTH=off. */
export const CurrentBuyer = createParamDecorator(
  (_: unknown, context: ExecutionContext): Buyer | null =>
    context.switchToHttp().getRequest<BuyerRequest>().buyer ?? null,
);

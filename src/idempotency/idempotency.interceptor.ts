import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  Logger,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, Observable, of, throwError } from 'rxjs';
import type { Buyer } from '../buyers/buyer';
import { isCustomerId } from '../common/customer-id';
import { IdempotencyKeyInUseError } from './idempotency.errors';
import { IdempotencyService } from './idempotency.service';
import {
  fingerprintOf,
  IDEMPOTENCY_HEADER,
  IdempotencyScope,
  IdempotentRequest,
  parseIdempotencyKey,
  REPLAYED_HEADER,
  StoredResponse,
} from './idempotency.rules';

const IDEMPOTENCY_SCOPE = Symbol('IDEMPOTENCY_SCOPE');

/** `buyer`: the verified buyer that BuyerAuthGuard (which runs before interceptors) set, if any. */
type RequestWithKey = FastifyRequest & { idempotency?: IdempotentRequest; buyer?: Buyer | null };

/**
 * The HTTP side of Idempotency-Key: validates the header, answers a repeat from the stored
 * answer before anything runs, and hands the key to the handler (`@IdempotencyKey()`),
 * whose service stores the answer in its own transaction. Runs before the validation pipe,
 * and a body that fails validation never reaches the service, so nothing is stored for it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {}

  intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<RequestWithKey>();
    const key = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    // Most holds carry no key: they pass straight through, with no lookup and no extra promise.
    if (key === undefined) return next.handle();
    return this.interceptKeyed(context, next, request, key);
  }

  private async interceptKeyed(
    context: ExecutionContext,
    next: CallHandler,
    request: RequestWithKey,
    key: string,
  ): Promise<Observable<unknown>> {
    const scope = this.reflector.get<IdempotencyScope>(IDEMPOTENCY_SCOPE, context.getHandler());
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const idempotent: IdempotentRequest = {
      scope,
      // A verified buyer's keys are theirs whatever the body says (BUYER_AUTH=jwt).
      customerId: request.buyer?.id ?? customerScopeOf(request.body),
      key,
      fingerprint: fingerprintOf(requestOf(request)),
    };
    const stored = await this.idempotency.findStored(idempotent);
    if (stored) return of(this.replay(reply, idempotent, stored));

    request.idempotency = idempotent;
    return next.handle().pipe(
      catchError((error: unknown) =>
        // A twin finished first: its answer is stored by now, so answer with it.
        error instanceof IdempotencyKeyInUseError
          ? from(this.replayAfterRace(reply, idempotent, error))
          : throwError(() => error),
      ),
    );
  }

  private async replayAfterRace(
    reply: FastifyReply,
    request: IdempotentRequest,
    inUse: IdempotencyKeyInUseError,
  ) {
    const stored = await this.idempotency.findStored(request);
    if (!stored) throw inUse;
    return this.replay(reply, request, stored);
  }

  private replay(reply: FastifyReply, request: IdempotentRequest, stored: StoredResponse): unknown {
    this.logger.log({ event: 'idempotency.replayed', scope: request.scope, status: stored.status });
    void reply.status(stored.status).header(REPLAYED_HEADER, 'true');
    return stored.body;
  }
}

/**
 * What a key's first request was: its body, and its path parameters when the route has some
 * (the same key and body for another product's /stock is another request, never a replay).
 */
function requestOf(request: FastifyRequest): unknown {
  const params = request.params as Record<string, string> | undefined;
  return params && Object.keys(params).length > 0 ? { params, body: request.body } : request.body;
}

/**
 * The customer a key belongs to. Read before validation: an invalid `customer_id` gives ''
 * (no customer), and that request is refused by validation anyway, storing nothing.
 */
function customerScopeOf(body: unknown): string {
  const customerId =
    body !== null && typeof body === 'object' ? (body as { customer_id?: unknown }).customer_id : undefined;
  return isCustomerId(customerId) ? customerId : '';
}

/** Opts a POST route in to Idempotency-Key; keys are unique per `scope` (and customer). */
export function Idempotent(scope: IdempotencyScope) {
  return applyDecorators(SetMetadata(IDEMPOTENCY_SCOPE, scope), UseInterceptors(IdempotencyInterceptor));
}

/** The request's Idempotency-Key (scope, key, body fingerprint), or undefined when it sent none. */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): IdempotentRequest | undefined =>
    context.switchToHttp().getRequest<RequestWithKey>().idempotency,
);

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ANY_ORIGIN } from '../config/cors.config';

/** The request headers a storefront sends and the answer headers its script may read. */
const ALLOWED_HEADERS = ['Authorization', 'Idempotency-Key', 'Admission-Token', 'Content-Type'];
const EXPOSED_HEADERS = ['Retry-After', 'Idempotent-Replayed'];
/** Preflights are cached by the browser this long (seconds). */
const MAX_AGE_SECONDS = 600;

/**
 * Whether a path answers CORS: the public and buyer routes and the live stock streams under
 * /api. Never the admin API (an operator's token must not be usable from a page of another
 * origin) nor the payment webhook (server to server).
 */
export function answersCors(url: string): boolean {
  const path = url.split('?')[0];
  return path.startsWith('/api/') && !path.startsWith('/api/admin') && !path.startsWith('/api/payments');
}

/**
 * CORS_ORIGINS through @fastify/cors: a request from a listed origin to a public route gets the
 * CORS headers (a preflight is answered 204); any other origin or route gets none (its
 * preflight is the usual 404). Not registered at all when CORS_ORIGINS is unset.
 */
export function registerCors(app: NestFastifyApplication, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes(ANY_ORIGIN);
  const allowed = new Set(origins);
  app.enableCors({
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      const permitted = answersCors(request.url) && origin !== undefined && (any || allowed.has(origin));
      callback(null, {
        origin: permitted ? (any ? ANY_ORIGIN : origin) : false,
        methods: ['GET', 'HEAD', 'POST'],
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: MAX_AGE_SECONDS,
      });
    },
  });
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { LogLevel } from '../config/env.validation';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What we accept from a client or proxy as a request id: short, printable, no separators to forge log lines with. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes and scrapes hit these every few seconds; their access lines would drown the useful ones. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * The client's (or proxy's) X-Request-Id when it is acceptable, otherwise a new UUID.
 * Fastify assigns it as the request's id (FastifyAdapter's genReqId), pino-http logs it as
 * `reqId`, and configureHttpApp echoes it on the response.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Human-readable lines only for a developer at a terminal; everything else gets JSON lines. */
export function shouldPrettyPrint(nodeEnv: string, stdoutIsTty: boolean | undefined): boolean {
  return nodeEnv === 'development' && stdoutIsTty === true && isInstalled('pino-pretty');
}

function isInstalled(module: string): boolean {
  try {
    require.resolve(module);
    return true;
  } catch {
    // pino-pretty is a dev dependency: absent from a production install.
    return false;
  }
}

/**
 * pino-http settings. Kept cheap for the hot path: one access line per request with method,
 * path, status and duration (never bodies or headers), and request-scoped lines carry only
 * the request id instead of a serialised copy of the request.
 */
export function pinoHttpOptions(settings: { level: LogLevel; pretty: boolean }): Options {
  return {
    level: settings.level,
    // Used only when Fastify has not already given the request its id.
    genReqId: requestIdFor,
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      // Nest runs pino-http as middleware; the mount strips req.url, originalUrl keeps the path.
      req: (req: IncomingMessage & { originalUrl?: string }) => ({ method: req.method, url: req.originalUrl ?? req.url }),
      res: (res: ServerResponse) => ({ status_code: res.statusCode }),
    },
    autoLogging: {
      ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATHS.has(pathOf(req.originalUrl ?? req.url)),
    },
    // Refusals (4xx) are business as usual; only failures of ours are errors.
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    ...(settings.pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
  };
}

function pathOf(url: string | undefined): string {
  const path = url ?? '';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

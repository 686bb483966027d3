import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerOptions, stdTimeFunctions } from 'pino';
import type { LogLevel } from '../config/env.schema';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What we accept from a client or proxy as a request id: short, printable, no separators to forge log lines with. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * The client's (or proxy's) X-Request-Id when it is acceptable, otherwise a new UUID.
 * Fastify assigns it as the request's id (FastifyAdapter's genReqId), every line logged
 * while serving the request carries it as `reqId`, and configureHttpApp echoes it.
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
 * pino settings for every line the app writes: JSON with an ISO time and the level as a
 * word; pino-pretty only for a developer at a terminal.
 */
export function pinoOptions(settings: { level: LogLevel; pretty: boolean }): LoggerOptions {
  return {
    level: settings.level,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    ...(settings.pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
  };
}

/** Refusals (4xx) are business as usual; only failures of ours are errors. */
export function accessLogLevel(statusCode: number): 'info' | 'error' {
  return statusCode >= 500 ? 'error' : 'info';
}

/** Probes and scrapes hit these every few seconds; their access lines would drown the useful ones. */
export function isQuietPath(url: string): boolean {
  const query = url.indexOf('?');
  return QUIET_PATHS.has(query === -1 ? url : url.slice(0, query));
}

/** A waiting room ticket's own routes: `/api/products/:id/queue/:ticket_id...` (not its public draw or challenge). */
const TICKET_PATH = /^(\/api\/products\/[^/?]+\/queue\/)(?!(?:draw|challenge)(?:[/?]|$))([^/?]+)/;
/** customer_id in a query string (the admin lists filter on it), as sent or percent-encoded. */
const CUSTOMER_ID_QUERY = /([?&](?:customer_id|customer%5Fid)=)[^&#]*/gi;

/**
 * The URL as an access line may show it: a buyer's id (`customer_id=` in the query) and a
 * waiting room ticket id (a bearer secret in the path) replaced by `[redacted]`. Headers,
 * where tokens travel, are never logged at all.
 */
export function redactedUrl(url: string): string {
  const redactedPath = url.replace(TICKET_PATH, '$1[redacted]');
  return redactedPath.includes('=') ? redactedPath.replace(CUSTOMER_ID_QUERY, '$1[redacted]') : redactedPath;
}

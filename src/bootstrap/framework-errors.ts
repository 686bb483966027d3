import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../common/errors/error-response';

/**
 * Refusals that happen before a route (and so Nest's exception filter) is reached: Fastify's
 * router on a path it cannot decode, and Node's HTTP parser on a request it cannot read. By
 * default both answer in Fastify's own shape; these keep the API's error envelope there too.
 */

/** The router's refusals, by Fastify's error code (a Map: the code is not the client's, but the rule is one rule). */
const ROUTER_REFUSALS: ReadonlyMap<string, { status: number; code: string; message: string }> = new Map([
  [
    'FST_ERR_BAD_URL',
    {
      status: 400,
      code: 'BAD_REQUEST',
      message: 'The URL is not valid: a % must start an escape such as %20',
    },
  ],
  [
    'FST_ERR_MAX_PARAM_LENGTH',
    { status: 414, code: 'URI_TOO_LONG', message: 'A path segment is longer than 100 characters' },
  ],
]);

/** Fastify's `frameworkErrors`: the router's refusals as the envelope (the reply's hooks still add the request id). */
export function routerRefusal(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const refusal = ROUTER_REFUSALS.get(error.code) ?? {
    status: 500,
    code: 'INTERNAL_ERROR',
    message: 'Something went wrong on our side',
  };
  const body: ErrorBody = { status: 'error', code: refusal.code, message: refusal.message };
  void reply.status(refusal.status).send(body);
}

/**
 * Fastify's `clientErrorHandler`: Node's parser refused the request (headers over 16 KB, a
 * malformed request line, a client too slow to send its headers). Written straight to the
 * socket, as Fastify's default does, since there is no request to reply to.
 */
export function parserRefusal(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body] = parserRefusalOf(error.code);
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

function parserRefusalOf(code: string | undefined): [number, ErrorBody] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [
      408,
      { status: 'error', code: 'REQUEST_TIMEOUT', message: 'The request took too long to arrive' },
    ];
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [
      431,
      { status: 'error', code: 'HEADERS_TOO_LARGE', message: 'The request headers are larger than 16 KB' },
    ];
  }
  return [400, { status: 'error', code: 'BAD_REQUEST', message: 'The request is not valid HTTP/1.1' }];
}

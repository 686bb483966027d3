import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';

/**
 * Headers of every stream. No compression applies (the response is written to the socket
 * directly, past any reply hook), and X-Accel-Buffering stops nginx from holding events back.
 */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/**
 * Takes the response from Fastify and writes the stream's status and headers (the helmet and
 * request-id headers already set are kept): what follows is written to `reply.raw`.
 */
export function startEventStream(reply: FastifyReply): void {
  reply.hijack();
  reply.raw.writeHead(200, { ...reply.getHeaders(), ...STREAM_HEADERS } as OutgoingHttpHeaders);
}

/** A whole answer with the stream's headers: a busy refusal, or HEAD's empty one. */
export function answerEventStream(reply: FastifyReply, body: string): void {
  startEventStream(reply);
  reply.raw.end(body);
}

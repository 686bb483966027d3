import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-responses';

const EVENT_EXAMPLE = [
  'retry: 3412',
  '',
  'id: 1764515553120',
  'event: stock',
  'data: {"id":1,"name":"Limited Edition Flash Sale Item","total_stock":200,"available_stock":100,"price":"99.99"}',
  '',
  ': heartbeat',
  '',
].join('\n');

const FORMAT = [
  'A Server-Sent Events stream (`text/event-stream`). First `retry: <ms>` (between STREAM_RETRY_MIN_MS and',
  'STREAM_RETRY_MAX_MS, 2000-5000), then at once one `stock` event per product',
  'with its current state, then one whenever its stock or sale fields change, from any process.',
  '`data` is the product exactly as `GET /api/products/:id` shows it (no envelope); `id` grows with every event',
  '(a reconnecting EventSource sends it back as Last-Event-ID and the ids keep growing).',
  'Latest state wins: at most one event per product every STREAM_MIN_INTERVAL_MS (250 ms) and the last change always',
  'arrives; a slow client gets the current state, never a backlog. A comment line every 15 s keeps proxies from',
  'closing it. The server ends the stream when it shuts down; EventSource reconnects by itself.',
  'A refusal that time lifts (STREAM_MAX_CONNECTIONS or STREAM_MAX_PER_CLIENT reached, shutdown, database away) is,',
  'for a client that sends `Accept: text/event-stream` (every EventSource), a 200 stream of `retry: <ms>`, one',
  '`busy` event with `{"code":"SERVICE_BUSY"}`, and its end: EventSource reconnects by itself, where a 503 would',
  'make it give up for good. Other clients get the 503 below. HEAD answers 200 with the headers at once.',
].join(' ');

/** OpenAPI for both stream routes: the event format, and the refusals made before it starts. */
export function ApiStockStream(summary: string, refusals: Record<number, string[]>) {
  return applyDecorators(
    ApiOperation({ summary, description: FORMAT }),
    ApiProduces('text/event-stream'),
    ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Sent by a reconnecting EventSource' }),
    ApiOkResponse({
      description: 'The event stream (never ends on its own)',
      content: { 'text/event-stream': { schema: { type: 'string' }, example: EVENT_EXAMPLE } },
    }),
    ApiErrors({ ...refusals, 503: ['SERVICE_BUSY', 'SERVICE_UNAVAILABLE'] }),
  );
}

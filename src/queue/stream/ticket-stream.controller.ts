import { applyDecorators, Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../../common/http/api-responses';
import { ParseIdPipe } from '../../common/pipes/parse-id.pipe';
import { TicketStreamHub } from './ticket-stream.hub';

const EVENT_EXAMPLE = [
  'retry: 3412',
  '',
  'id: 1764515553120',
  'event: queue',
  'data: {"ticket_id":"Xy3k9QpL0aZbR2mT7uVwNc4d","product_id":1,"customer_id":null,"entry_hash":"9f86d0…","status":"waiting","position":812,"ahead":311,"estimated_wait_seconds":32,"admission_token":null,"admission_expires_at":null}',
  '',
  ': heartbeat',
  '',
].join('\n');

const FORMAT = [
  'A Server-Sent Events stream (`text/event-stream`): `retry: <ms>` first, then at once one `queue` event with the',
  'ticket exactly as `GET /api/products/:id/queue/:ticket_id` shows it in `data` (customer_id null), then one',
  'whenever it changes, whichever process decided the change. A new status (waiting after the draw, admitted with',
  'its admission_token, sold_out, expired) goes out at once; `ahead` and `estimated_wait_seconds` alone at most once',
  'every 5 s (latest state wins; ahead reaching 0 at once). Holding it open counts as presence. The limits, heartbeat, `id:`',
  "lines, shutdown and refusals (a `busy` event for an EventSource, 503 otherwise) are the stock streams' own: the",
  'two kinds count together toward STREAM_MAX_CONNECTIONS and STREAM_MAX_PER_CLIENT. HEAD answers 200 at once.',
].join(' ');

function ApiTicketStream() {
  return applyDecorators(
    ApiOperation({
      summary: "A ticket's live state (Server-Sent Events); holding it open counts as presence",
      description: FORMAT,
    }),
    ApiProduces('text/event-stream'),
    ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } }),
    ApiParam({ name: 'ticket_id', schema: { type: 'string' } }),
    ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Sent by a reconnecting EventSource' }),
    ApiOkResponse({
      description: 'The event stream (never ends on its own)',
      content: { 'text/event-stream': { schema: { type: 'string' }, example: EVENT_EXAMPLE } },
    }),
    ApiErrors({
      400: ['INVALID_ID'],
      404: ['PRODUCT_NOT_FOUND', 'TICKET_NOT_FOUND'],
      503: ['SERVICE_BUSY', 'SERVICE_UNAVAILABLE'],
    }),
  );
}

@ApiTags('waiting room')
@Controller('products/:id/queue')
export class TicketStreamController {
  constructor(private readonly hub: TicketStreamHub) {}

  @Get(':ticket_id/stream')
  @ApiTicketStream()
  stream(
    @Param('id', ParseIdPipe) productId: number,
    @Param('ticket_id') ticketId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.hub.open(productId, ticketId, request, reply);
  }
}

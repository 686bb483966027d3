import { RateLimited } from '../security/rate-limit';
import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Buyer } from '../buyers/buyer';
import { BuyerAuthenticated, CurrentBuyer } from '../buyers/buyer-auth.guard';
import { ValidationFailedError } from '../common/errors/domain.error';
import { ApiErrors, ApiSuccess, BODY_ERRORS } from '../common/http/api-responses';
import { ValidatedBody } from '../common/http/body-schema';
import { success } from '../common/http/envelope';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe';
import {
  DRAW_EXAMPLE,
  QueueDrawDto,
  QueueSummaryDto,
  SUMMARY_EXAMPLE,
  TICKET_EXAMPLE,
  TicketResponseDto,
} from './dto/queue-responses.dto';
import { CHALLENGE_EXAMPLE, QueueChallengeDto } from './dto/queue-challenge.dto';
import { JOIN_QUEUE_BODY, JoinQueueBody } from './join-queue.schema';
import { TICKET_ID } from './ticket-id';
import { WaitingRoomService } from './waiting-room.service';

@ApiTags('waiting room')
@Controller('products/:id/queue')
export class WaitingRoomController {
  constructor(private readonly room: WaitingRoomService) {}

  @Post()
  @RateLimited()
  @BuyerAuthenticated()
  @ApiOperation({
    summary: 'Join the waiting room',
    description:
      'One ticket per buyer and product: 201 the first time, 200 with the same ticket again. Before sale_starts_at the ticket waits in the pre-queue for the draw. ' +
      'With QUEUE_POW_MAX_NUMBER > 0, a new ticket needs `altcha`, a solved GET .../queue/challenge (each solution joins once); a buyer with a live ticket gets it back without one, and a sent solution is always checked.',
  })
  @ValidatedBody(JOIN_QUEUE_BODY, {
    'with a nonce': { value: { customer_id: 'cus_42', nonce: 'q3JxY0u1b8v9Zk2LmNoPqA' } },
    'with a proof of work': {
      value: { customer_id: 'cus_42', altcha: 'eyJhbGdvcml0aG0iOiJTSEEtMjU2Iiw...' },
    },
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
  @ApiSuccess({
    status: 201,
    type: TicketResponseDto,
    description: 'The new ticket (200: the same ticket again)',
    examples: { joined: { status: 'success', data: TICKET_EXAMPLE } },
  })
  @ApiErrors(BODY_ERRORS, {
    400: ['INVALID_ID'],
    403: ['CUSTOMER_MISMATCH', 'POW_REQUIRED', 'POW_INVALID'],
    404: ['PRODUCT_NOT_FOUND'],
    409: ['QUEUE_NOT_ENABLED', 'SALE_ENDED', 'NONCE_REUSED'],
  })
  async join(
    @Param('id', ParseIdPipe) productId: number,
    @Body() body: JoinQueueBody,
    @CurrentBuyer() buyer: Buyer | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const customerId = buyer?.id ?? body.customer_id;
    if (customerId === undefined) {
      throw new ValidationFailedError({ customer_id: ['customer_id is required (the buyer joining)'] });
    }
    const { ticket, created } = await this.room.join(productId, customerId, body.nonce, body.altcha);
    void reply.status(created ? 201 : 200);
    return success(ticket);
  }

  @Get()
  @ApiOperation({
    summary: "The waiting room's public summary (the seed is revealed from sale_starts_at on)",
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
  @ApiSuccess({
    type: QueueSummaryDto,
    description: 'The summary',
    examples: { summary: { status: 'success', data: SUMMARY_EXAMPLE } },
  })
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND'] })
  async summary(@Param('id', ParseIdPipe) productId: number) {
    return success(await this.room.summary(productId));
  }

  @Get('draw')
  @ApiOperation({ summary: 'The draw: seed, commitment and the pre-queue entry hashes in drawn order' })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
  @ApiSuccess({
    type: QueueDrawDto,
    description: 'The revealed draw',
    examples: { draw: { status: 'success', data: DRAW_EXAMPLE } },
  })
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND'], 409: ['DRAW_NOT_READY', 'NO_DRAW'] })
  async draw(@Param('id', ParseIdPipe) productId: number) {
    return success(await this.room.draw(productId));
  }

  @Get('challenge')
  // Each challenge costs a signature (~0.2 ms of CPU): limited per client like joining, which
  // needs one challenge per ticket.
  @RateLimited()
  @ApiOperation({
    summary: 'A proof-of-work challenge to join (ALTCHA), when QUEUE_POW_MAX_NUMBER > 0',
    description:
      "ALTCHA's challenge JSON itself, not in the envelope, so the ALTCHA widget's challengeurl can point here. " +
      'Bound to this product, good for 5 minutes; its solution joins once. 409 POW_NOT_REQUIRED when the service asks no proof of work.',
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
  @ApiExtraModels(QueueChallengeDto)
  @ApiResponse({
    status: 200,
    description: 'The challenge (Cache-Control: no-store)',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(QueueChallengeDto) },
        examples: { challenge: { summary: 'challenge', value: CHALLENGE_EXAMPLE } },
      },
    },
  })
  @ApiErrors({
    400: ['INVALID_ID'],
    404: ['PRODUCT_NOT_FOUND'],
    409: ['QUEUE_NOT_ENABLED', 'SALE_ENDED', 'POW_NOT_REQUIRED'],
  })
  async challenge(
    @Param('id', ParseIdPipe) productId: number,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Each challenge is single-use: a cache must never hand one to two buyers.
    void reply.header('Cache-Control', 'no-store');
    return this.room.challenge(productId);
  }

  @Get(':ticket_id')
  @ApiOperation({ summary: 'A ticket (the ticket id is its only credential); a read counts as presence' })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'ticket_id', schema: { type: 'string' } })
  @ApiSuccess({
    type: TicketResponseDto,
    description: 'The ticket (customer_id null)',
    examples: { ticket: { status: 'success', data: { ...TICKET_EXAMPLE, customer_id: null } } },
  })
  @ApiErrors({ 400: ['INVALID_ID'], 404: ['PRODUCT_NOT_FOUND', 'TICKET_NOT_FOUND'] })
  async ticket(@Param('id', ParseIdPipe) productId: number, @Param('ticket_id') ticketId: string) {
    if (!TICKET_ID.test(ticketId)) return success(await this.room.ticket(productId, '-'));
    return success(await this.room.ticket(productId, ticketId));
  }
}

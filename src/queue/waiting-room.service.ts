import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Product } from '../products/product.entity';
import { SaleEndedError } from '../products/product.errors';
import { ProductsService } from '../products/products.service';
import { QueueTokenKey } from './admission/queue-admission.module';
import { drawOrder, sha256hex } from './draw';
import { LineEvents } from './line-events/line-events';
import { JoinMode, QueueLines, StoredTicket } from './line/queue-lines';
import { PrequeueMovedError } from './line/redis-queue-lines';
import type { JoinChallenge } from './pow/join-challenge';
import { JoinProofOfWork } from './pow/join-proof-of-work';
import {
  DrawNotReadyError,
  NoDrawError,
  NonceReusedError,
  QueueNotEnabledError,
  TicketNotFoundError,
} from './queue.errors';
import { TicketView, ticketView } from './ticket-view';

export interface QueueSummary {
  enabled: boolean;
  waiting: number;
  admitted: number;
  admit_per_minute: number;
  commitment: string | null;
  seed: string | null;
}

export interface DrawResult {
  seed: string;
  commitment: string;
  tickets: string[];
}

const DRAW_ATTEMPTS = 5;

/**
 * The waiting room's use cases: joining, reading a ticket, the public summary and the draw.
 * The line itself (and every admission decision) is QueueLines'; this service reads the
 * product (settings, window) and shapes the answers.
 */
@Injectable()
export class WaitingRoomService {
  private readonly logger = new Logger(WaitingRoomService.name);

  constructor(
    private readonly products: ProductsService,
    private readonly lines: QueueLines,
    private readonly key: QueueTokenKey,
    private readonly pow: JoinProofOfWork,
    private readonly events: LineEvents,
  ) {}

  /**
   * With the proof of work on, a buyer who sends no `altcha` gets their live ticket back (one
   * lookup, as a join again answers it anyway), or POW_REQUIRED; a sent solution is always
   * checked and spent before the line is touched, so a refused one changes nothing.
   */
  async join(
    productId: number,
    customerId: string,
    nonce: string | undefined,
    altcha?: string,
  ): Promise<{ ticket: TicketView; created: boolean }> {
    const product = await this.joinable(productId);
    const now = Date.now();
    if (this.pow.required) {
      const own = altcha === undefined ? await this.lines.live(productId, customerId, now) : null;
      if (own) return { ticket: this.view(product, own.ticket, own.ahead, now), created: false };
      await this.pow.accept(productId, altcha);
    }
    const fields = {
      id: randomBytes(18).toString('base64url'),
      productId,
      customerId,
      // At least 128 bits of the client's own randomness, or the service's when it sent none.
      entryHash: sha256hex(nonce ?? randomBytes(16).toString('base64url')),
    };
    const mode = joinMode(product, now);
    let outcome = await this.lines.join(productId, fields, mode, now);
    if (outcome.kind === 'need_draw') {
      await this.ensureDrawn(product);
      outcome = await this.lines.join(productId, fields, mode, now);
    }
    if (outcome.kind === 'nonce_reused') throw new NonceReusedError();
    if (outcome.kind === 'need_draw') throw new Error(`the draw of product ${productId} did not run`);
    const { ticket, ahead } = outcome;
    if (outcome.kind === 'created') {
      this.logger.log({
        event: 'queue.joined',
        product_id: productId,
        status: ticket.status,
        position: ticket.position || null,
      });
    }
    return { ticket: this.view(product, ticket, ahead, now), created: outcome.kind === 'created' };
  }

  /** An ALTCHA challenge to join this product's line (when the proof of work is on). */
  async challenge(productId: number): Promise<JoinChallenge> {
    await this.joinable(productId);
    return this.pow.challenge(productId);
  }

  /** The product, when it can be joined now: its queue enabled, its sale not over. */
  private async joinable(productId: number): Promise<Product> {
    const product = await this.products.findOne(productId);
    if (!product.queueEnabled) throw new QueueNotEnabledError(productId);
    if (product.saleEndsAt !== null && product.saleEndsAt.getTime() <= Date.now()) {
      throw new SaleEndedError(productId, product.saleEndsAt);
    }
    return product;
  }

  /**
   * The join answer: the ticket with its place (read by the join itself, in the same round
   * trip), to its own buyer (customer_id shown).
   */
  private view(product: Product, ticket: StoredTicket, ahead: number, now: number): TicketView {
    return ticketView(ticket, ahead, product.queueAdmitPerMinute, now, this.key, true);
  }

  /** A read counts as presence: the ticket is not skipped as abandoned at its turn. */
  async ticket(productId: number, ticketId: string): Promise<TicketView> {
    const product = await this.products.findOne(productId);
    const now = Date.now();
    const found = await this.lines.get(productId, ticketId, now, true);
    if (!found) throw new TicketNotFoundError();
    return ticketView(found.ticket, found.ahead, product.queueAdmitPerMinute, now, this.key, false);
  }

  async summary(productId: number): Promise<QueueSummary> {
    const product = await this.products.findOne(productId);
    const now = Date.now();
    const line = await this.lines.summary(productId, now);
    return {
      enabled: product.queueEnabled,
      waiting: line.waiting,
      admitted: line.admitted,
      admit_per_minute: product.queueAdmitPerMinute,
      commitment: product.queueCommitment,
      seed: started(product, now) ? product.queueSeed : null,
    };
  }

  async draw(productId: number): Promise<DrawResult> {
    const product = await this.products.findOne(productId);
    if (!product.queueEnabled || product.queueSeed === null || product.queueCommitment === null) {
      throw new NoDrawError(productId);
    }
    if (!started(product, Date.now())) throw new DrawNotReadyError(product.saleStartsAt!);
    const tickets = (await this.lines.drawnHashes(productId)) ?? (await this.ensureDrawn(product));
    return { seed: product.queueSeed, commitment: product.queueCommitment, tickets };
  }

  /**
   * Orders the pre-queue by the seed and places it, once for the deployment (the store refuses
   * a second draw, and a draw that raced a late pre-queue join is read and made again).
   */
  async ensureDrawn(product: Pick<Product, 'id' | 'queueSeed'>): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      const entries = await this.lines.prequeue(product.id);
      const ordered = product.queueSeed === null ? entries : drawOrder(product.queueSeed, entries);
      try {
        if (await this.lines.draw(product.id, ordered)) {
          this.events.publish({ kind: 'drawn', productId: product.id });
          this.logger.log({ event: 'queue.drawn', product_id: product.id, tickets: ordered.length });
        }
        return (await this.lines.drawnHashes(product.id)) ?? [];
      } catch (error) {
        if (!(error instanceof PrequeueMovedError) || attempt >= DRAW_ATTEMPTS) throw error;
      }
    }
  }
}

function started(product: Pick<Product, 'saleStartsAt'>, now: number): boolean {
  return product.saleStartsAt === null || product.saleStartsAt.getTime() <= now;
}

/** Before the start of a queue with a draw: the pre-queue; after it: behind the drawn tickets. */
export function joinMode(product: Pick<Product, 'queueSeed' | 'saleStartsAt'>, now: number): JoinMode {
  if (product.queueSeed === null) return 'fifo';
  return started(product, now) ? 'after' : 'pre';
}

import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { AllConfig } from '../config/config.types';
import { isUniqueViolation } from '../database/db-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { Order } from '../orders/order.entity';
import { OrderNotFoundError } from '../orders/order.errors';
import { canSettle, settledCancelReason, settledStatus } from '../orders/order-status';
import { SaleMetrics } from '../metrics/sale-metrics';
import { OrdersRepository } from '../orders/orders.repository';
import { ProductStock } from '../products/stock/product-stock';
import { StripeEventDto } from './stripe/stripe-event.dto';
import { chargeMatchesOrder, toMinorUnits } from './minor-units';
import { EventPayloadMismatchError, LivemodeMismatchError } from './payment.errors';
import { PaymentEvent, PaymentEventReason } from './payment-event.entity';
import { PaymentEventsRepository } from './payment-events.repository';
import { AcknowledgeNotice, AttemptFailedNotice, PaymentNotice, SettleNotice } from './payment-notice';
import { toPaymentNotice } from './stripe/stripe-event.mapper';
import type { WebhookBody } from './webhook-body.pipe';

/**
 * processed: the order moved. duplicate: this event was seen before. ignored: recorded and
 * acknowledged, nothing changed (`reason` says why).
 */
export interface WebhookOutcome {
  kind: 'processed' | 'duplicate' | 'ignored';
  reason?: PaymentEventReason;
  /** The order as it is now; null when the event names no order. */
  order: Order | null;
}

type NewPaymentEvent = Omit<PaymentEvent, 'id' | 'outcome' | 'reason'>;

@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);
  private readonly currency: string;
  private readonly livemode: boolean;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: ProductStock,
    private readonly orders: OrdersRepository,
    private readonly events: PaymentEventsRepository,
    private readonly metrics: SaleMetrics,
    config: ConfigService<AllConfig, true>,
  ) {
    this.currency = config.getOrThrow('payments.currency', { infer: true });
    this.livemode = config.getOrThrow('payments.livemode', { infer: true });
  }

  /** A webhook delivery, in either accepted shape (original body or Stripe event). */
  receive(body: WebhookBody, rawBody: Buffer): Promise<WebhookOutcome> {
    let notice: PaymentNotice;
    try {
      notice = toPaymentNotice(body, this.livemode);
    } catch (error) {
      if (error instanceof LivemodeMismatchError && body instanceof StripeEventDto) {
        this.logRejection(error.code, { event_id: body.id, event_type: body.type, livemode: body.livemode });
      }
      throw error;
    }
    return this.handle(notice, rawBody);
  }

  /**
   * Applies a payment provider's event exactly once. The event is recorded in the same
   * transaction as its effect; a redelivery finds it and changes nothing. Two deliveries
   * racing each other queue on the order's row lock; the loser then sees the winner's
   * record. If they race on different orders (or name none), UNIQUE(event_id) stops the
   * second and a second pass reports a duplicate or the mismatch.
   */
  async handle(notice: PaymentNotice, rawBody: Buffer): Promise<WebhookOutcome> {
    const payloadHash = createHash('sha256').update(rawBody).digest('hex');
    const attempt = () => this.unitOfWork.run((manager) => this.apply(manager, notice, payloadHash));
    let outcome: WebhookOutcome;
    try {
      outcome = await attempt().catch((error: unknown) => {
        if (isUniqueViolation(error)) return attempt();
        throw error;
      });
    } catch (error) {
      if (error instanceof OrderNotFoundError || error instanceof EventPayloadMismatchError) {
        this.logRejection(error.code, {
          event_id: notice.eventId,
          order_id: orderIdOf(notice),
        });
      }
      throw error;
    }
    // A cancellation gave units back: after commit, before answering, like every stock change.
    if (outcome.kind === 'processed' && outcome.order?.status === 'cancelled') {
      await this.stock.afterCommit(outcome.order.productId);
    }
    this.report(notice, outcome);
    return outcome;
  }

  private apply(manager: EntityManager, notice: PaymentNotice, payloadHash: string): Promise<WebhookOutcome> {
    switch (notice.kind) {
      case 'settle':
        return this.settle(manager, notice, payloadHash);
      case 'attempt_failed':
        return this.recordAttempt(manager, notice, payloadHash);
      case 'acknowledge':
        return this.acknowledge(manager, notice, payloadHash);
    }
  }

  private async settle(
    manager: EntityManager,
    notice: SettleNotice,
    payloadHash: string,
  ): Promise<WebhookOutcome> {
    const { eventId, orderId, status, charged } = notice;
    const order = await this.orders.findById(manager, orderId);
    // Not recorded: the provider retries, and the retry applies once the order exists.
    if (!order) throw new OrderNotFoundError(orderId);

    // Fixed lock order, product before order: a failed payment gives stock back.
    const product = status === 'failed' ? await this.stock.lock(manager, order.productId) : null;
    const locked = (await this.orders.lockById(manager, orderId))!;

    const seen = await this.events.findByEventId(manager, eventId);
    if (seen) return this.duplicate(seen, notice, locked);

    const now = new Date();
    const record: NewPaymentEvent = {
      ...this.recordOf(notice, payloadHash, now),
      orderId,
      amount: charged?.amount ?? null,
      currency: charged?.currency ?? null,
    };
    // Acknowledged and recorded, so a Stripe-style sender stops retrying for days. A payment
    // for a cancelled order (timed out, or failed before) means a charged customer whose units
    // are back on sale: recorded under its own reason and reported at warn for an operator.
    if (!canSettle(locked.status)) {
      const late = status === 'paid' && locked.status === 'cancelled';
      return this.ignore(manager, record, late ? 'paid_after_cancellation' : 'order_settled', locked);
    }
    // The shop was not paid what the order costs: an operator decides, the order stays pending.
    if (charged && !chargeMatchesOrder(charged, locked.amount, this.currency)) {
      return this.ignore(manager, record, 'amount_mismatch', locked);
    }

    const next = settledStatus(status);
    const cancelReason = settledCancelReason(status);
    // Cannot fail under the order's lock; if it ever did, roll back rather than return stock
    // for an order that did not move.
    if (!(await this.orders.settle(manager, orderId, next, cancelReason, eventId, now))) {
      throw new Error(`Settlement of order ${orderId} by ${eventId} changed no row`);
    }
    if (next === 'cancelled') {
      // The product was locked above (a `failed` status is what cancels), and exists (foreign key).
      await this.stock.giveBack(manager, product!, locked.quantity);
    }
    await this.events.insert(manager, { ...record, outcome: 'applied', reason: null });
    return {
      kind: 'processed',
      order: Object.assign(locked, {
        status: next,
        cancelReason,
        paymentIdempotencyKey: eventId,
        updatedAt: now,
      }),
    };
  }

  /**
   * A declined attempt: recorded against its order, which keeps its status and its units (no
   * lock needed: nothing moves). An unknown order is a 404 like any event naming one, so the
   * event is recorded once the order exists.
   */
  private async recordAttempt(
    manager: EntityManager,
    notice: AttemptFailedNotice,
    payloadHash: string,
  ): Promise<WebhookOutcome> {
    const order = await this.orders.findById(manager, notice.orderId);
    if (!order) throw new OrderNotFoundError(notice.orderId);
    const seen = await this.events.findByEventId(manager, notice.eventId);
    if (seen) return this.duplicate(seen, notice, order);
    const record = {
      ...this.recordOf(notice, payloadHash, new Date()),
      orderId: order.id,
      amount: null,
      currency: null,
    };
    return this.ignore(manager, record, 'attempt_failed', order);
  }

  /** A Stripe event that settles no order: recorded once, so its redelivery is a duplicate. */
  private async acknowledge(
    manager: EntityManager,
    notice: AcknowledgeNotice,
    payloadHash: string,
  ): Promise<WebhookOutcome> {
    const seen = await this.events.findByEventId(manager, notice.eventId);
    if (seen) return this.duplicate(seen, notice, null);
    const record = {
      ...this.recordOf(notice, payloadHash, new Date()),
      orderId: null,
      amount: null,
      currency: null,
    };
    return this.ignore(manager, record, notice.reason, null);
  }

  private async ignore(
    manager: EntityManager,
    record: NewPaymentEvent,
    reason: PaymentEventReason,
    order: Order | null,
  ) {
    await this.events.insert(manager, { ...record, outcome: 'ignored', reason });
    return { kind: 'ignored' as const, reason, order };
  }

  private recordOf(notice: PaymentNotice, payloadHash: string, now: Date) {
    return {
      eventId: notice.eventId,
      status: notice.status,
      eventType: notice.eventType,
      payloadHash,
      receivedAt: now,
    };
  }

  private duplicate(seen: PaymentEvent, notice: PaymentNotice, order: Order | null): WebhookOutcome {
    const orderId = orderIdOf(notice);
    if (seen.orderId !== orderId || seen.status !== notice.status || seen.eventType !== notice.eventType) {
      throw new EventPayloadMismatchError(notice.eventId);
    }
    return { kind: 'duplicate', order };
  }

  private report(notice: PaymentNotice, outcome: WebhookOutcome): void {
    const context = {
      event_id: notice.eventId,
      ...(notice.eventType === null ? {} : { event_type: notice.eventType, livemode: notice.livemode }),
      order_id: outcome.order?.id ?? null,
    };
    if (outcome.reason === 'amount_mismatch' && notice.kind === 'settle' && notice.charged && outcome.order) {
      this.metrics.payment('amount_mismatch');
      this.logger.warn({
        event: 'payment.amount_mismatch',
        ...context,
        amount: notice.charged.amount,
        currency: notice.charged.currency,
        expected_amount: toMinorUnits(outcome.order.amount, this.currency),
        expected_currency: this.currency,
        message:
          'A success event reports another amount or currency than the order: it stays pending; refund or settle it by hand',
      });
      return;
    }
    if (outcome.reason === 'paid_after_cancellation' && notice.kind === 'settle' && outcome.order) {
      this.metrics.payment('paid_after_cancellation');
      this.logger.warn({
        event: 'payment.paid_after_cancellation',
        ...context,
        cancel_reason: outcome.order.cancelReason,
        amount: outcome.order.amount,
        ...(notice.charged
          ? { charged_amount: notice.charged.amount, charged_currency: notice.charged.currency }
          : {}),
        product_id: outcome.order.productId,
        quantity: outcome.order.quantity,
        message:
          'A payment arrived for a cancelled order whose units are back on sale: refund the customer, or restore the order by hand',
      });
      return;
    }
    if (outcome.reason === 'attempt_failed' && notice.kind === 'attempt_failed') {
      this.metrics.payment('attempt_failed');
      this.logger.log({
        event: 'payment.attempt_failed',
        ...context,
        last_payment_error_code: notice.errorCode,
        product_id: outcome.order?.productId ?? null,
        quantity: outcome.order?.quantity ?? null,
        order_status: outcome.order?.status ?? null,
        message:
          'A payment attempt failed; the order keeps its units until a success, a final failure or the payment timeout',
      });
      return;
    }
    this.metrics.payment(outcome.kind);
    if (outcome.kind === 'processed' && outcome.order?.cancelReason) {
      this.metrics.orderCancelled(outcome.order.cancelReason);
    }
    this.logger.log({
      event: `payment.${outcome.kind}`,
      ...context,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      product_id: outcome.order?.productId ?? null,
      quantity: outcome.order?.quantity ?? null,
      payment_status: notice.status,
      order_status: outcome.order?.status ?? null,
    });
  }

  private logRejection(reason: string, context: Record<string, unknown>): void {
    this.metrics.payment('rejected');
    this.logger.warn({ event: 'payment.rejected', reason, ...context });
  }
}

function orderIdOf(notice: PaymentNotice): number | null {
  return notice.kind === 'acknowledge' ? null : notice.orderId;
}

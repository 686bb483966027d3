import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../database/db-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { Order } from '../orders/order.entity';
import { OrderNotFoundError } from '../orders/order.errors';
import { canSettle, PaymentStatus, settledStatus } from '../orders/order-status';
import { SaleMetrics } from '../metrics/sale-metrics';
import { OrdersRepository } from '../orders/orders.repository';
import { ProductCache } from '../products/product-cache';
import { ProductsRepository } from '../products/products.repository';
import { EventPayloadMismatchError } from './payment.errors';
import { PaymentEvent } from './payment-event.entity';
import { PaymentEventsRepository } from './payment-events.repository';

export interface PaymentNotification {
  eventId: string;
  orderId: number;
  status: PaymentStatus;
  rawBody: Buffer;
}

/** processed: the order moved. duplicate: this event was seen before. ignored: the order was already settled. */
export type WebhookOutcome = { kind: 'processed' | 'duplicate' | 'ignored'; order: Order };

@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly products: ProductsRepository,
    private readonly orders: OrdersRepository,
    private readonly events: PaymentEventsRepository,
    private readonly productCache: ProductCache,
    private readonly metrics: SaleMetrics,
  ) {}

  /**
   * Applies a payment provider's event exactly once. The event is recorded in the same
   * transaction as its effect; a redelivery finds it and changes nothing. Two deliveries
   * racing each other queue on the order's row lock; the loser then sees the winner's
   * record. If they race on different orders, UNIQUE(event_id) stops the second and a
   * second pass reports the mismatch.
   */
  async handle(notification: PaymentNotification): Promise<WebhookOutcome> {
    const payloadHash = createHash('sha256').update(notification.rawBody).digest('hex');
    const attempt = () => this.unitOfWork.run((manager) => this.apply(manager, notification, payloadHash));
    let outcome: WebhookOutcome;
    try {
      outcome = await attempt().catch((error: unknown) => {
        if (isUniqueViolation(error)) return attempt();
        throw error;
      });
    } catch (error) {
      this.logRejection(notification, error);
      throw error;
    }
    // A cancellation gave units back: after commit, before answering, like every stock change.
    if (outcome.kind === 'processed' && outcome.order.status === 'cancelled') {
      await this.productCache.invalidate(outcome.order.productId);
    }
    this.metrics.payment(outcome.kind);
    this.logger.log({
      event: `payment.${outcome.kind}`,
      event_id: notification.eventId,
      order_id: notification.orderId,
      product_id: outcome.order.productId,
      quantity: outcome.order.quantity,
      payment_status: notification.status,
      order_status: outcome.order.status,
    });
    return outcome;
  }

  private async apply(manager: EntityManager, notification: PaymentNotification, payloadHash: string) {
    const { eventId, orderId, status } = notification;
    const order = await this.orders.findById(orderId, manager);
    // Not recorded: the provider retries, and the retry applies once the order exists.
    if (!order) throw new OrderNotFoundError(orderId);

    // Fixed lock order, product before order: a failed payment gives stock back.
    if (status === 'failed') await this.products.lockById(manager, order.productId);
    const locked = (await this.orders.lockById(manager, orderId))!;

    const seen = await this.events.findByEventId(manager, eventId);
    if (seen) return this.duplicate(seen, notification, locked);

    const now = new Date();
    const record = { eventId, orderId, status, payloadHash, receivedAt: now };
    if (!canSettle(locked.status)) {
      // Acknowledged and recorded, so a Stripe-style sender stops retrying for days.
      await this.events.insert(manager, { ...record, outcome: 'ignored' });
      return { kind: 'ignored' as const, order: locked };
    }

    const next = settledStatus(status);
    await this.orders.settle(manager, orderId, next, eventId, now);
    if (next === 'cancelled') {
      await this.products.returnStock(manager, locked.productId, locked.quantity, now);
    }
    await this.events.insert(manager, { ...record, outcome: 'applied' });
    return { kind: 'processed' as const, order: Object.assign(locked, { status: next, paymentIdempotencyKey: eventId }) };
  }

  private duplicate(seen: PaymentEvent, notification: PaymentNotification, order: Order): WebhookOutcome {
    if (seen.orderId !== notification.orderId || seen.status !== notification.status) {
      throw new EventPayloadMismatchError(notification.eventId);
    }
    return { kind: 'duplicate', order };
  }

  private logRejection(notification: PaymentNotification, error: unknown): void {
    if (error instanceof OrderNotFoundError || error instanceof EventPayloadMismatchError) {
      this.metrics.payment('rejected');
      this.logger.warn({
        event: 'payment.rejected',
        reason: error.code,
        event_id: notification.eventId,
        order_id: notification.orderId,
      });
    }
  }
}

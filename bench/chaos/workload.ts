import {
  checkoutSessionEvent,
  CheckoutSessionEventType,
  paymentIntentEvent,
  PaymentIntentEventType,
} from '../../test/factories/stripe-event.factory';
import { signatureFor } from '../../test/utils/webhook';
import { Answer, request } from './http-client';
import type { ManagedProcess } from './managed-process';
import type { Prng } from './prng';
import { ADMIN_TOKEN, WEBHOOK_SECRET } from './topology';

export interface Product {
  id: number;
  hot: boolean;
}

interface KnownHold {
  id: number;
  productId: number;
  quantity: number;
}

interface KnownOrder {
  id: number;
  amountCents: number;
}

interface SentEvent {
  payload: string;
  orderId: number;
}

/** What the clients were told, kept to be compared with the database by the checker. */
export class Ledger {
  /** `route -> status (or network error) -> count`. */
  readonly byRoute = new Map<string, Map<string, number>>();
  /** Every 5xx answer, to be judged against the faults' windows. */
  readonly serverErrors: Answer[] = [];
  /** Every request that got no HTTP answer (refused, reset, timed out), to be set beside the faults. */
  readonly networkErrors: Answer[] = [];
  readonly createdHolds = new Map<number, KnownHold>();
  readonly createdOrders = new Map<number, { holdId: number }>();
  /** Idempotency-Key -> the resource ids its 201 answers named (must be one). */
  readonly keyedCreates = new Map<string, Set<number>>();
  /** Acknowledged webhooks: the event, its order and the order status the answer reported. */
  readonly webhookAcks: Array<{ eventId: string; orderId: number; status: unknown }> = [];
  /** Acknowledged stock adjustments by their unique reason. */
  readonly adjustmentAcks = new Map<string, { productId: number; delta: number }>();
  requests = 0;

  record(answer: Answer): void {
    this.requests++;
    const outcome = answer.status !== undefined ? String(answer.status) : (answer.error ?? 'error');
    const counts = this.byRoute.get(answer.route) ?? new Map<string, number>();
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    this.byRoute.set(answer.route, counts);
    if (answer.status !== undefined && answer.status >= 500) this.serverErrors.push(answer);
    if (answer.status === undefined) this.networkErrors.push(answer);
  }
}

const MAX_IN_FLIGHT = 48;
const PAYMENT_INTENT_EVENTS: PaymentIntentEventType[] = [
  'payment_intent.succeeded',
  'payment_intent.canceled',
  'payment_intent.payment_failed',
];
const CHECKOUT_EVENTS: CheckoutSessionEventType[] = [
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_failed',
];

/**
 * The sale's clients. Each tick draws its requests from the seeded generator (what to do,
 * on which product, which key or event): the schedule repeats with the seed, the answers
 * depend on timing. Requests go to a live API as a load balancer would send them (a refused
 * connection, on which nothing was sent, is tried on the other one).
 */
export class Workload {
  readonly ledger = new Ledger();
  private inFlight = 0;
  private sequence = 0;
  private readonly holds: KnownHold[] = [];
  private readonly orders: KnownOrder[] = [];
  private readonly events: SentEvent[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly amounts = new Map<number, number>();
  private nextApi = 0;

  constructor(
    private readonly apis: ManagedProcess[],
    private readonly products: Product[],
    private readonly rng: Prng,
  ) {}

  tick(): void {
    if (this.inFlight >= MAX_IN_FLIGHT) return;
    const operation = this.rng.weighted({
      hold: 30,
      keyedHold: 12,
      order: 18,
      webhook: 13,
      duplicateWebhook: 4,
      conflictingWebhooks: 3,
      readProduct: 10,
      readHold: 3,
      readOrder: 3,
      adjustStock: 3,
    });
    this[operation]();
  }

  /** Resolves once every request sent so far has its answer (each is bounded by a timeout). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private product(): Product {
    const hot = this.products.find((product) => product.hot)!;
    return this.rng.chance(0.5) ? hot : this.rng.pick(this.products);
  }

  private hold(): void {
    const product = this.product();
    const body = JSON.stringify({ product_id: product.id, quantity: this.rng.int(1, 3) });
    this.send('POST /holds', 'POST', '/holds', { body }, (answer) => this.rememberHold(answer));
  }

  /** A phone retrying: the same key sent 1-3 times at once, and sometimes again a little later. */
  private keyedHold(): void {
    const product = this.product();
    const body = JSON.stringify({ product_id: product.id, quantity: this.rng.int(1, 3) });
    const key = `chaos-hold-${this.sequence++}`;
    const copies = this.rng.int(1, 3);
    const laterMs = this.rng.chance(0.3) ? this.rng.int(200, 2_500) : undefined;
    const sendOne = () =>
      this.send(
        'POST /holds (Idempotency-Key)',
        'POST',
        '/holds',
        { body, headers: { 'idempotency-key': key } },
        (answer) => this.rememberHold(answer, key),
      );
    for (let i = 0; i < copies; i++) sendOne();
    if (laterMs !== undefined) this.later(laterMs, sendOne);
  }

  private order(): void {
    if (this.holds.length === 0) return this.hold();
    const [hold] = this.holds.splice(this.rng.int(0, this.holds.length - 1), 1);
    const body = JSON.stringify({ hold_id: hold.id });
    const keyed = this.rng.chance(0.25);
    const key = `chaos-order-${this.sequence++}`;
    const copies = keyed ? this.rng.int(1, 3) : 1;
    for (let i = 0; i < copies; i++) {
      this.send(
        keyed ? 'POST /orders (Idempotency-Key)' : 'POST /orders',
        'POST',
        '/orders',
        { body, headers: keyed ? { 'idempotency-key': key } : {} },
        (answer) => {
          if (answer.status !== 201) return;
          const data = answer.body!.data as { id: number; hold_id: number; amount: string };
          if (!this.ledger.createdOrders.has(data.id)) {
            const amountCents = Math.round(Number(data.amount) * 100);
            this.amounts.set(data.id, amountCents);
            this.orders.push({ id: data.id, amountCents });
          }
          this.ledger.createdOrders.set(data.id, { holdId: data.hold_id });
          if (keyed) this.noteKeyed(key, data.id);
        },
      );
    }
  }

  /** A payment outcome for an order; about 4 orders in 10 never get one and time out. */
  private webhook(): void {
    if (this.orders.length === 0) return this.order();
    const [order] = this.orders.splice(this.rng.int(0, this.orders.length - 1), 1);
    if (this.rng.chance(0.35)) return; // Left unpaid: the payment timeout cancels it.
    this.sendEvent(this.eventFor(order, this.rng.chance(0.6)), order.id);
  }

  /** A provider redelivering an event it already sent, up to 3 times at once. */
  private duplicateWebhook(): void {
    if (this.events.length === 0) return this.webhook();
    const event = this.rng.pick(this.events);
    const copies = this.rng.int(1, 3);
    for (let i = 0; i < copies; i++) {
      this.postWebhook(event.payload, event.orderId, 'POST /payments/webhook (redelivery)');
    }
  }

  /** Out of order: a success and a failure for one order at once, or a late one after the order settled. */
  private conflictingWebhooks(): void {
    if (this.events.length === 0) return this.webhook();
    const { orderId } = this.rng.pick(this.events);
    const amountCents = this.amountOf(orderId);
    const first = this.eventFor({ id: orderId, amountCents }, true);
    const second = this.eventFor({ id: orderId, amountCents }, false);
    const delayMs = this.rng.chance(0.5) ? 0 : this.rng.int(100, 3_000);
    this.sendEvent(first, orderId, 'POST /payments/webhook (out of order)');
    this.later(delayMs, () => this.sendEvent(second, orderId, 'POST /payments/webhook (out of order)'));
  }

  private readProduct(): void {
    this.send('GET /products/:id', 'GET', `/products/${this.product().id}`);
  }

  private readHold(): void {
    if (this.ledger.createdHolds.size === 0) return this.hold();
    const ids = [...this.ledger.createdHolds.keys()];
    this.send(
      'GET /holds/:id',
      'GET',
      `/holds/${ids[this.rng.int(Math.max(0, ids.length - 50), ids.length - 1)]}`,
    );
  }

  private readOrder(): void {
    if (this.ledger.createdOrders.size === 0) return this.order();
    const ids = [...this.ledger.createdOrders.keys()];
    this.send(
      'GET /orders/:id',
      'GET',
      `/orders/${ids[this.rng.int(Math.max(0, ids.length - 50), ids.length - 1)]}`,
    );
  }

  /** An operator's restock (3 in 4) or removal, with an Idempotency-Key, sometimes retried. */
  private adjustStock(): void {
    const product = this.rng.pick(this.products);
    const delta = this.rng.chance(0.75) ? this.rng.int(1, 10) : -this.rng.int(1, 4);
    const reason = `chaos adjustment ${this.sequence++}`;
    const body = JSON.stringify({ delta, reason });
    const copies = this.rng.int(1, 2);
    for (let i = 0; i < copies; i++) {
      this.send(
        delta > 0 ? 'POST /admin/products/:id/stock (restock)' : 'POST /admin/products/:id/stock (removal)',
        'POST',
        `/admin/products/${product.id}/stock`,
        {
          body,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': reason.replace(/ /g, '-') },
        },
        (answer) => {
          if (answer.status === 200) this.ledger.adjustmentAcks.set(reason, { productId: product.id, delta });
        },
      );
    }
  }

  private eventFor(order: KnownOrder, success: boolean): string {
    const n = this.sequence++;
    const style = this.rng.weighted({ original: 2, paymentIntent: 1, checkout: 1 });
    if (style === 'original') {
      return JSON.stringify({
        event_id: `evt_chaos_${n}`,
        order_id: order.id,
        status: success ? 'paid' : 'failed',
      });
    }
    const options = { orderId: order.id, amount: order.amountCents, currency: 'usd', id: `evt_chaos_${n}` };
    if (style === 'paymentIntent') {
      const type = success ? PAYMENT_INTENT_EVENTS[0] : this.rng.pick(PAYMENT_INTENT_EVENTS.slice(1));
      return JSON.stringify(paymentIntentEvent(type, options));
    }
    const type = success ? CHECKOUT_EVENTS[0] : this.rng.pick(CHECKOUT_EVENTS.slice(1));
    return JSON.stringify(checkoutSessionEvent(type, options));
  }

  private sendEvent(payload: string, orderId: number, route = 'POST /payments/webhook'): void {
    this.events.push({ payload, orderId });
    if (this.events.length > 300) this.events.shift();
    this.postWebhook(payload, orderId, route);
  }

  private postWebhook(payload: string, orderId: number, route: string): void {
    // Signed at send time, as a provider signs each delivery.
    const eventId = JSON.parse(payload) as { id?: string; event_id?: string };
    this.send(
      route,
      'POST',
      '/payments/webhook',
      { body: payload, headers: { 'stripe-signature': signatureFor(payload, { secret: WEBHOOK_SECRET }) } },
      (answer) => {
        if (answer.status !== 200) return;
        const data = answer.body?.data ?? {};
        this.ledger.webhookAcks.push({
          eventId: eventId.id ?? eventId.event_id!,
          orderId,
          status: data.status,
        });
      },
    );
  }

  private amountOf(orderId: number): number {
    return this.amounts.get(orderId) ?? 0;
  }

  private rememberHold(answer: Answer, key?: string): void {
    if (answer.status !== 201) return;
    const data = answer.body!.data as { hold_id: number; product_id: number; quantity: number };
    if (!this.ledger.createdHolds.has(data.hold_id)) {
      const hold = { id: data.hold_id, productId: data.product_id, quantity: data.quantity };
      this.ledger.createdHolds.set(hold.id, hold);
      // About half are left to expire: only those in this list can become orders (decided by
      // the id, not the generator: answers arrive in an order the seed does not fix).
      if (hold.id % 2 === 0) this.holds.push(hold);
      if (this.holds.length > 200) this.holds.shift();
    }
    if (key) this.noteKeyed(key, data.hold_id);
  }

  private noteKeyed(key: string, id: number): void {
    const ids = this.ledger.keyedCreates.get(key) ?? new Set<number>();
    ids.add(id);
    this.ledger.keyedCreates.set(key, ids);
  }

  private later(ms: number, action: () => void): void {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(action);
    this.track(timer);
  }

  private send(
    route: string,
    method: 'GET' | 'POST',
    path: string,
    options: { body?: string; headers?: Record<string, string> } = {},
    onAnswer?: (answer: Answer) => void,
  ): void {
    const first = this.pickApi();
    this.inFlight++;
    const work = (async () => {
      const sentAt = Date.now();
      let api = first;
      let raw = await request(`${this.apis[api].base}${path}`, method, options);
      if (raw.error === 'ECONNREFUSED' && this.apis.length > 1) {
        // Nothing was sent: a load balancer tries the next process.
        api = (api + 1) % this.apis.length;
        raw = await request(`${this.apis[api].base}${path}`, method, options);
      }
      const answer: Answer = { ...raw, route, sentAt, api };
      this.ledger.record(answer);
      onAnswer?.(answer);
    })().finally(() => this.inFlight--);
    this.track(work);
  }

  /** Round robin over the live processes (not the generator: some sends happen after a delay). */
  private pickApi(): number {
    const choice = this.nextApi++ % this.apis.length;
    if (this.apis[choice].up) return choice;
    const live = this.apis.findIndex((api) => api.up);
    return live >= 0 ? live : choice;
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}

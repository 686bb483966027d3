import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { auditStock } from '../../src/database/stock-audit';
import type { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { Hold } from '../../src/holds/hold.entity';
import type { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { toCents } from '../../src/common/money';
import { paymentIntentEvent } from '../factories/stripe-event.factory';
import type { TestApp } from './test-app';
import { signatureFor } from './webhook';

/**
 * The model of the randomized suite: one product's stock, its holds, orders, payment events
 * and Idempotency-Keys, as the API must show them, and the commands fast-check strings
 * together (fc.commands). Every command checks its answers, then the product against the model.
 */

type HoldState = 'active' | 'expired' | 'released' | 'used';
type OrderStatus = 'pending' | 'completed' | 'cancelled';
type PaymentStatus = 'paid' | 'failed';
/** The original body `{event_id, order_id, status}`, or Stripe's event object for the same outcome. */
type EventShape = 'original' | 'stripe';
type PaymentEventModel = { id: string; orderId: number; status: PaymentStatus; shape: EventShape };
/** What a request with an Idempotency-Key got first, when stored (a success): a repeat must get the same. */
type StoredAnswer = { quantity: number; status: number; body: unknown };

export interface StockModel {
  productId: number;
  total: number;
  available: number;
  holds: Array<{ id: number; quantity: number; state: HoldState }>;
  /** `cents`: the order's amount, which a Stripe success event must report to complete it. */
  orders: Array<{ id: number; quantity: number; status: OrderStatus; cents: number }>;
  events: PaymentEventModel[];
  idempotencyKeys: Map<string, StoredAnswer>;
}

export interface Real {
  t: TestApp;
  db: <T>(work: (dataSource: DataSource) => Promise<T>) => Promise<T>;
  releases: HoldReleasesService;
  sweeper: ExpiredHoldsSweeper;
}

type StockCommand = fc.AsyncCommand<StockModel, Real>;

let eventSeq = 0;

/** After every command: the API (through its cache) and the rows agree with the model. */
async function expectMatchesModel(m: StockModel, r: Real): Promise<void> {
  const product = await r.t.http.get(`/api/products/${m.productId}`).expect(200);
  expect(product.body.data).toMatchObject({ total_stock: m.total, available_stock: m.available });
  expect(product.body.data.available_stock).toBeGreaterThanOrEqual(0);

  const audit = (await r.db(auditStock)).find((row) => row.productId === m.productId);
  const sum = (quantities: number[]) => quantities.reduce((total, quantity) => total + quantity, 0);
  expect(audit).toEqual({
    productId: m.productId,
    totalStock: m.total,
    availableStock: m.available,
    unitsInActiveHolds: sum(
      m.holds
        .filter((hold) => hold.state === 'active' || hold.state === 'expired')
        .map((hold) => hold.quantity),
    ),
    unitsInLiveOrders: sum(m.orders.filter((o) => o.status !== 'cancelled').map((o) => o.quantity)),
    difference: 0,
  });
}

/** Why a hold in each state cannot become an order. */
const REFUSAL_BY_HOLD_STATE: Record<HoldState, string | undefined> = {
  active: undefined,
  used: 'HOLD_ALREADY_USED',
  released: 'HOLD_RELEASED',
  expired: 'HOLD_EXPIRED',
};

/** A negative index is the newest item: the one a client usually acts on next. */
const pick = <T>(items: T[], index: number): T => items[index < 0 ? items.length - 1 : index % items.length];

class CreateHold implements StockCommand {
  constructor(readonly quantity: number) {}
  check = () => true;
  async run(m: StockModel, r: Real) {
    const response = await r.t.http
      .post('/api/holds')
      .send({ product_id: m.productId, quantity: this.quantity });
    if (this.quantity <= m.available) {
      expect(response.status).toBe(201);
      expect(response.body.data).toMatchObject({
        product_id: m.productId,
        quantity: this.quantity,
        status: 'active',
      });
      m.holds.push({ id: response.body.data.hold_id, quantity: this.quantity, state: 'active' });
      m.available -= this.quantity;
    } else {
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('INSUFFICIENT_STOCK');
      expect(response.body.message).toContain(`only ${m.available} available`);
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `hold(${this.quantity})`;
}

class CreateOrder implements StockCommand {
  constructor(readonly holdIndex: number) {}
  check = (m: Readonly<StockModel>) => m.holds.length > 0;
  async run(m: StockModel, r: Real) {
    const hold = pick(m.holds, this.holdIndex);
    const response = await r.t.http.post('/api/orders').send({ hold_id: hold.id });
    const code = REFUSAL_BY_HOLD_STATE[hold.state];
    if (code) {
      expectRefusal(response, 409, code);
    } else {
      expect(response.status).toBe(201);
      expect(response.body.data).toMatchObject({
        hold_id: hold.id,
        quantity: hold.quantity,
        status: 'pending',
      });
      hold.state = 'used';
      m.orders.push({
        id: response.body.data.id,
        quantity: hold.quantity,
        status: 'pending',
        cents: toCents(response.body.data.amount),
      });
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `order(hold #${this.holdIndex})`;
}

/**
 * The answer to an event for an order already settled: ignored, or, for a payment of an order
 * a failed payment cancelled, recorded for an operator (the customer was charged).
 */
function settledAnswer(order: OrderStatus, payment: PaymentStatus): string {
  return order === 'cancelled' && payment === 'paid'
    ? 'Event recorded: the order was already cancelled (payment_failed); an operator must refund the payment or restore the order'
    : `Event ignored: order already ${order}`;
}

/** A new payment event for an order, pending or already settled. */
class Pay implements StockCommand {
  constructor(
    readonly orderIndex: number,
    readonly status: PaymentStatus,
    readonly shape: EventShape,
  ) {}
  check = (m: Readonly<StockModel>) => m.orders.length > 0;
  async run(m: StockModel, r: Real) {
    const order = pick(m.orders, this.orderIndex);
    const event = { id: nextEventId(), orderId: order.id, status: this.status, shape: this.shape };
    const response = await sendEvent(r, m, event);
    expect(response.status).toBe(200);
    if (order.status === 'pending') {
      order.status = this.status === 'paid' ? 'completed' : 'cancelled';
      if (order.status === 'cancelled') m.available += order.quantity;
      expect(response.body.message).toBe('Payment processed');
    } else {
      expect(response.body.message).toBe(settledAnswer(order.status, this.status));
    }
    expect(response.body.data).toEqual({ order_id: order.id, status: order.status });
    m.events.push(event);
    await expectMatchesModel(m, r);
  }
  toString = () => `pay(order #${this.orderIndex}, ${this.status}, ${this.shape})`;
}

/** A declined card (payment_intent.payment_failed): recorded, and the order and its units stay as they are. */
class Decline implements StockCommand {
  constructor(readonly orderIndex: number) {}
  check = (m: Readonly<StockModel>) => m.orders.length > 0;
  async run(m: StockModel, r: Real) {
    const order = pick(m.orders, this.orderIndex);
    const event = paymentIntentEvent('payment_intent.payment_failed', {
      id: nextEventId(),
      orderId: order.id,
    });
    const response = await deliver(r, JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ order_id: order.id, status: order.status });
    await expectMatchesModel(m, r);
  }
  toString = () => `decline(order #${this.orderIndex})`;
}

/** An event seen before, redelivered late (after others), as is or with a changed payload. */
class Redeliver implements StockCommand {
  constructor(
    readonly eventIndex: number,
    readonly change: 'none' | 'status' | 'order',
  ) {}
  check = (m: Readonly<StockModel>) => m.events.length > 0;
  async run(m: StockModel, r: Real) {
    const event = pick(m.events, this.eventIndex);
    const otherOrder = m.orders.find((order) => order.id !== event.orderId);
    const sent =
      this.change === 'status'
        ? { ...event, status: event.status === 'paid' ? ('failed' as const) : ('paid' as const) }
        : this.change === 'order' && otherOrder
          ? { ...event, orderId: otherOrder.id }
          : event;
    const response = await sendEvent(r, m, sent);
    if (sent === event) {
      const order = m.orders.find((o) => o.id === event.orderId)!;
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        message: 'Webhook already processed',
        data: { order_id: order.id, status: order.status },
      });
    } else {
      expectRefusal(response, 409, 'EVENT_PAYLOAD_MISMATCH');
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `redeliver(event #${this.eventIndex}, change ${this.change})`;
}

/** The hold's time is up (its row backdated: there is no clock to move); nothing is released yet. */
class Expire implements StockCommand {
  constructor(readonly holdIndex: number) {}
  check = (m: Readonly<StockModel>) => m.holds.length > 0;
  async run(m: StockModel, r: Real) {
    const hold = pick(m.holds, this.holdIndex);
    await r.db((dataSource) =>
      dataSource.getRepository(Hold).update({ id: hold.id }, { holdExpiresAt: new Date(Date.now() - 1000) }),
    );
    if (hold.state === 'active') hold.state = 'expired';
    const shown = await r.t.http.get(`/api/holds/${hold.id}`).expect(200);
    expect(shown.body.data.status).toBe(hold.state === 'used' ? 'used' : 'expired');
    await expectMatchesModel(m, r);
  }
  toString = () => `expire(hold #${this.holdIndex})`;
}

/** The hold's delayed job runs (possibly again, possibly for a hold that is used or not yet due). */
class ReleaseByJob implements StockCommand {
  constructor(readonly holdIndex: number) {}
  check = (m: Readonly<StockModel>) => m.holds.length > 0;
  async run(m: StockModel, r: Real) {
    const hold = pick(m.holds, this.holdIndex);
    const released = (await r.releases.release([hold.id], 'job')).released[0] ?? null;
    if (hold.state === 'expired') {
      expect(released?.id).toBe(hold.id);
      hold.state = 'released';
      m.available += hold.quantity;
    } else {
      expect(released).toBeNull();
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `job(hold #${this.holdIndex})`;
}

/** The sweeper releases every expired hold (other sequences' leftovers too). */
class Sweep implements StockCommand {
  check = () => true;
  async run(m: StockModel, r: Real) {
    const expired = m.holds.filter((hold) => hold.state === 'expired');
    const released = await r.sweeper.run();
    expect(released).toBeGreaterThanOrEqual(expired.length);
    for (const hold of expired) {
      hold.state = 'released';
      m.available += hold.quantity;
    }
    await expectMatchesModel(m, r);
  }
  toString = () => 'sweep';
}

/** Several holds at once (served together by the batcher), in whatever order the app takes them. */
class BurstHolds implements StockCommand {
  constructor(readonly quantities: number[]) {}
  check = () => true;
  async run(m: StockModel, r: Real) {
    const responses = await Promise.all(
      this.quantities.map((quantity) =>
        r.t.http.post('/api/holds').send({ product_id: m.productId, quantity }),
      ),
    );
    const refused: Array<{ quantity: number; message: string }> = [];
    responses.forEach((response, i) => {
      const quantity = this.quantities[i];
      if (response.status === 201) {
        m.holds.push({ id: response.body.data.hold_id, quantity, state: 'active' });
        m.available -= quantity;
      } else {
        expectRefusal(response, 409, 'INSUFFICIENT_STOCK');
        refused.push({ quantity, message: response.body.message });
      }
    });
    expect(m.available).toBeGreaterThanOrEqual(0);
    // Stock only went down during the burst: a request refused for lack of stock still does
    // not fit in what is left, and was told a number between that and its own quantity.
    for (const { quantity, message } of refused) {
      expect(quantity).toBeGreaterThan(m.available);
      const told = Number(/only (\d+) available/.exec(message)?.[1]);
      expect(told).toBeGreaterThanOrEqual(m.available);
      expect(told).toBeLessThan(quantity);
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `burst(${this.quantities.join(',')})`;
}

/** The same hold ordered several times at once: one order at most. */
class RaceOrders implements StockCommand {
  constructor(
    readonly holdIndex: number,
    readonly copies: number,
  ) {}
  check = (m: Readonly<StockModel>) => m.holds.length > 0;
  async run(m: StockModel, r: Real) {
    const hold = pick(m.holds, this.holdIndex);
    const responses = await Promise.all(
      Array.from({ length: this.copies }, () => r.t.http.post('/api/orders').send({ hold_id: hold.id })),
    );
    const created = responses.filter((response) => response.status === 201);
    const refusals = responses
      .filter((response) => response.status !== 201)
      .map((response) => response.body.code);
    if (hold.state === 'active') {
      expect(created).toHaveLength(1);
      expect(refusals).toEqual(Array(this.copies - 1).fill('HOLD_ALREADY_USED'));
      hold.state = 'used';
      m.orders.push({
        id: created[0].body.data.id,
        quantity: hold.quantity,
        status: 'pending',
        cents: toCents(created[0].body.data.amount),
      });
    } else {
      expect(created).toHaveLength(0);
      expect(new Set(refusals)).toEqual(new Set([REFUSAL_BY_HOLD_STATE[hold.state]]));
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `race ${this.copies} orders(hold #${this.holdIndex})`;
}

/**
 * Several payment events for one order at once: the same event delivered concurrently, or
 * different events (paid and failed) racing to settle it. Exactly one is applied.
 */
class RacePayments implements StockCommand {
  constructor(
    readonly orderIndex: number,
    readonly statuses: PaymentStatus[],
    readonly sameEvent: boolean,
    readonly shape: EventShape,
  ) {}
  check = (m: Readonly<StockModel>) => m.orders.length > 0;
  async run(m: StockModel, r: Real) {
    const order = pick(m.orders, this.orderIndex);
    const firstId = nextEventId();
    const events = this.statuses.map((status, i) => ({
      id: this.sameEvent || i === 0 ? firstId : nextEventId(),
      orderId: order.id,
      status: this.sameEvent ? this.statuses[0] : status,
      shape: this.shape,
    }));
    const responses = await Promise.all(events.map((event) => sendEvent(r, m, event)));
    expect(responses.map((response) => response.status)).toEqual(events.map(() => 200));
    const messages = responses.map((response) => response.body.message as string);
    const wasPending = order.status === 'pending';
    if (wasPending) {
      const winner = events[messages.indexOf('Payment processed')];
      expect(winner).toBeDefined();
      order.status = winner.status === 'paid' ? 'completed' : 'cancelled';
      if (order.status === 'cancelled') m.available += order.quantity;
    }
    // One delivery per event id counts (applied, or ignored when the order was settled
    // already); the copies of it are duplicates; only one event ever settles the order.
    const winner = wasPending ? events[messages.indexOf('Payment processed')] : undefined;
    const expected = this.sameEvent
      ? [
          wasPending ? 'Payment processed' : settledAnswer(order.status, events[0].status),
          ...Array(events.length - 1).fill('Webhook already processed'),
        ]
      : events.map((event) =>
          event === winner ? 'Payment processed' : settledAnswer(order.status, event.status),
        );
    expect([...messages].sort()).toEqual([...expected].sort());
    for (const response of responses) {
      expect(response.body.data).toEqual({ order_id: order.id, status: order.status });
    }
    for (const event of events) {
      if (!m.events.some((known) => known.id === event.id)) m.events.push(event);
    }
    await expectMatchesModel(m, r);
  }
  toString = () =>
    `race payments(order #${this.orderIndex}, ${this.statuses.join(',')}${this.sameEvent ? ', one event' : ''}, ${this.shape})`;
}

/**
 * A hold with an Idempotency-Key: the first request's answer (201 or a stored 409) is the
 * answer to every repeat with the same body, which reserves nothing; another body is refused.
 */
class HoldWithKey implements StockCommand {
  constructor(
    readonly keyIndex: number,
    readonly quantity: number,
    readonly repeatBody: boolean,
  ) {}
  check = () => true;
  async run(m: StockModel, r: Real) {
    const key = `model-${m.productId}-${this.keyIndex}`;
    const stored = m.idempotencyKeys.get(key);
    const quantity = stored && this.repeatBody ? stored.quantity : this.quantity;
    const response = await r.t.http
      .post('/api/holds')
      .set('Idempotency-Key', key)
      .send({ product_id: m.productId, quantity });
    if (!stored) {
      expect(response.headers['idempotent-replayed']).toBeUndefined();
      if (quantity <= m.available) {
        expect(response.status).toBe(201);
        m.holds.push({ id: response.body.data.hold_id, quantity, state: 'active' });
        m.available -= quantity;
        m.idempotencyKeys.set(key, { quantity, status: response.status, body: response.body });
      } else {
        // Not stored: units may come back, and the same key's retry is evaluated again.
        expectRefusal(response, 409, 'INSUFFICIENT_STOCK');
      }
    } else if (quantity === stored.quantity) {
      expect({ status: response.status, body: response.body }).toEqual({
        status: stored.status,
        body: stored.body,
      });
      expect(response.headers['idempotent-replayed']).toBe('true');
    } else {
      expectRefusal(response, 422, 'IDEMPOTENCY_KEY_REUSED');
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `hold with key ${this.keyIndex}(${this.quantity}${this.repeatBody ? ', repeat' : ''})`;
}

function expectRefusal(
  response: { status: number; body: { code?: string } },
  status: number,
  code: string,
): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
}

function nextEventId(): string {
  return `evt_model_${process.pid}_${++eventSeq}`;
}

/** A signed delivery of the event, in its shape; a Stripe success reports the order's exact amount. */
function sendEvent(r: Real, m: StockModel, event: PaymentEventModel) {
  const order = m.orders.find((candidate) => candidate.id === event.orderId)!;
  const payload = JSON.stringify(
    event.shape === 'original'
      ? { event_id: event.id, order_id: event.orderId, status: event.status }
      : paymentIntentEvent(event.status === 'paid' ? 'payment_intent.succeeded' : 'payment_intent.canceled', {
          id: event.id,
          orderId: event.orderId,
          amount: order.cents,
        }),
  );
  return deliver(r, payload);
}

function deliver(r: Real, payload: string) {
  return r.t.http
    .post('/api/payments/webhook')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', signatureFor(payload))
    .send(payload);
}

/** Commands per sequence: bounded, so 30 sequences stay well under a minute on a busy machine. */
const MAX_COMMANDS = 25;

export function newModel(productId: number, totalStock: number): StockModel {
  return {
    productId,
    total: totalStock,
    available: totalStock,
    holds: [],
    orders: [],
    events: [],
    idempotencyKeys: new Map(),
  };
}

const index = fc.oneof(fc.constant(-1), fc.nat({ max: 1000 }));
const quantity = fc.integer({ min: 1, max: 12 });
const paymentStatus = fc.constantFrom<PaymentStatus>('paid', 'failed');
const eventShape = fc.constantFrom<EventShape>('original', 'stripe');
/** Mostly the same payload (a redelivery), sometimes a changed one under the same event id. */
const redeliveryChange = fc.constantFrom<'none' | 'status' | 'order'>('none', 'none', 'status', 'order');
// Listed more than once: the commands that build state, so sequences reach orders and payments.
export const commandsArbitrary = fc.commands(
  [
    quantity.map((q) => new CreateHold(q)),
    quantity.map((q) => new CreateHold(q)),
    quantity.map((q) => new CreateHold(q)),
    index.map((i) => new CreateOrder(i)),
    index.map((i) => new CreateOrder(i)),
    index.map((i) => new CreateOrder(i)),
    fc.tuple(index, paymentStatus, eventShape).map(([i, status, shape]) => new Pay(i, status, shape)),
    fc.tuple(index, paymentStatus, eventShape).map(([i, status, shape]) => new Pay(i, status, shape)),
    index.map((i) => new Decline(i)),
    fc.tuple(index, redeliveryChange).map(([i, change]) => new Redeliver(i, change)),
    fc.array(quantity, { minLength: 2, maxLength: 6 }).map((quantities) => new BurstHolds(quantities)),
    fc.tuple(index, fc.integer({ min: 2, max: 4 })).map(([i, copies]) => new RaceOrders(i, copies)),
    fc
      .tuple(index, fc.array(paymentStatus, { minLength: 2, maxLength: 3 }), fc.boolean(), eventShape)
      .map(([i, statuses, sameEvent, shape]) => new RacePayments(i, statuses, sameEvent, shape)),
    fc
      .tuple(fc.nat({ max: 2 }), quantity, fc.boolean())
      .map(([key, q, repeatBody]) => new HoldWithKey(key, q, repeatBody)),
    index.map((i) => new Expire(i)),
    index.map((i) => new ReleaseByJob(i)),
    fc.constant(new Sweep()),
  ],
  { maxCommands: MAX_COMMANDS, size: 'max' },
);

import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { auditStock } from '../src/database/stock-audit';
import { ExpiredHoldsSweeper } from '../src/expiry/expired-holds.sweeper';
import { Hold } from '../src/holds/hold.entity';
import { HoldsService } from '../src/holds/holds.service';
import { createProduct } from './factories/product.factory';
import { betweenUnits } from './utils/embedded';
import { FuzzBody, fuzzBody, isJson, optionalHeaderValue } from './utils/json-fuzz';
import { createTestApp, TestApp } from './utils/test-app';
import { signatureFor } from './utils/webhook';

/** Every code a refusal may carry, per status (README, "Error codes"). */
const CODES_BY_STATUS: Record<number, string[]> = {
  400: ['MALFORMED_JSON'],
  401: ['INVALID_SIGNATURE'],
  404: ['PRODUCT_NOT_FOUND', 'HOLD_NOT_FOUND', 'ORDER_NOT_FOUND'],
  409: [
    'INSUFFICIENT_STOCK',
    'HOLD_EXPIRED',
    'HOLD_RELEASED',
    'HOLD_ALREADY_USED',
    'EVENT_PAYLOAD_MISMATCH',
    'IDEMPOTENCY_KEY_IN_USE',
  ],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  422: ['VALIDATION_FAILED', 'IDEMPOTENCY_KEY_REUSED'],
};

/** Fuzz runs per route (4 routes: 300 requests in all). */
const RUNS_PER_ROUTE = 75;
/** Command sequences of the model test, each on a product of its own. */
const MODEL_RUNS = 30;
const MAX_COMMANDS = 25;

/**
 * Randomized tests (fast-check) against the real app: random bodies and headers at every
 * POST route, and random sequences of holds, orders, payments and expiries against an
 * in-memory model of the stock. Every direct database read goes through betweenUnits, so
 * the suite runs unchanged in embedded mode (SQLite shares one connection).
 */
describe('Randomized API properties (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_PER_MINUTE: '0',
      // Expiry is driven by the test (backdated rows, then a job's or the sweeper's release):
      // no delayed job and no periodic sweep may fire while a sequence runs.
      HOLD_TTL_SECONDS: '3600',
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
    });
    // The sweep every app starts with is over before any sequence relies on run() being its own.
    await t.app.get(ExpiredHoldsSweeper, { strict: false }).run();
  });

  afterAll(async () => {
    await t?.close();
  });

  const db = <T>(work: (dataSource: DataSource) => Promise<T>) => betweenUnits(t, work);

  describe('random bodies at every POST route', () => {
    /** Everything a refused request must leave as it was: stock, rows, states. */
    function snapshot() {
      return db(async (dataSource) => {
        const stock: Array<{ id: number; available_stock: number }> = await dataSource.query(
          'SELECT id, available_stock FROM products ORDER BY id',
        );
        const [counts] = await dataSource.query(`SELECT
            (SELECT COUNT(*) FROM holds) AS holds,
            (SELECT COUNT(*) FROM holds WHERE used_at IS NOT NULL) AS used,
            (SELECT COUNT(*) FROM holds WHERE released_at IS NOT NULL) AS released,
            (SELECT COUNT(*) FROM orders) AS orders,
            (SELECT COUNT(*) FROM orders WHERE status = 'pending') AS pending,
            (SELECT COUNT(*) FROM payment_events) AS events`);
        return {
          stock: stock.map((row) => [Number(row.id), Number(row.available_stock)]),
          counts: Object.fromEntries(Object.entries(counts as object).map(([key, value]) => [key, Number(value)])),
        };
      });
    }

    type Route = 'holds' | 'orders' | 'webhook (signed)' | 'webhook (unsigned)';
    const PATHS: Record<Route, string> = {
      holds: '/api/holds',
      orders: '/api/orders',
      'webhook (signed)': '/api/payments/webhook',
      'webhook (unsigned)': '/api/payments/webhook',
    };

    // Ids that exist (set up below: 3 products, 9 holds, 6 orders) or are just past the last
    // one, and quantities up to past MAX_HOLD_QUANTITY, so many requests reach the services.
    const webhookFields = {
      event_id: fc.constantFrom('evt_fuzz_1', 'evt_fuzz_2', 'evt_fuzz_3', 'evt_fuzz_4'),
      order_id: fc.integer({ min: 1, max: 8 }),
      status: fc.constantFrom('paid', 'failed'),
    };
    const BODIES: Record<Route, fc.Arbitrary<FuzzBody>> = {
      holds: fuzzBody({ product_id: fc.integer({ min: 1, max: 4 }), quantity: fc.integer({ min: 1, max: 120 }) }),
      orders: fuzzBody({ hold_id: fc.integer({ min: 1, max: 14 }) }),
      'webhook (signed)': fuzzBody(webhookFields),
      'webhook (unsigned)': fuzzBody(webhookFields),
    };

    /** A missing, garbled, wrongly keyed or stale Stripe-Signature. */
    const badSignature = fc.constantFrom('none', 'garbage', 'wrong secret', 'stale', 'zeros');
    function unsignedHeader(kind: string, text: string): string | undefined {
      const now = Math.floor(Date.now() / 1000);
      switch (kind) {
        case 'garbage':
          return 'definitely-not-a-signature';
        case 'wrong secret':
          return signatureFor(text, { secret: 'whsec_someone_else' });
        case 'stale':
          return signatureFor(text, { timestamp: now - 3600 });
        case 'zeros':
          return `t=${now},v1=${'0'.repeat(64)}`;
        default:
          return undefined;
      }
    }

    beforeAll(async () => {
      // A few products, holds and pending orders for the plausible ids to land on.
      const products = await db(async (dataSource) => {
        const created = [];
        for (let i = 0; i < 3; i++) {
          created.push(await createProduct(dataSource, { totalStock: 500, availableStock: 500 }));
        }
        return created;
      });
      for (const product of products) {
        for (let i = 0; i < 3; i++) {
          const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
          if (i < 2) await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
        }
      }
    });

    it.each(Object.keys(PATHS) as Route[])(
      'should never answer 5xx at POST %s, refuse with the error envelope, and change nothing when refusing',
      async (route) => {
        const unsigned = route === 'webhook (unsigned)';
        await fc.assert(
          fc.asyncProperty(
            BODIES[route],
            optionalHeaderValue,
            optionalHeaderValue,
            badSignature,
            async (body, idempotencyKey, requestId, signatureKind) => {
              const before = await snapshot();
              let request = t.http.post(PATHS[route]).set('Content-Type', body.contentType);
              if (idempotencyKey !== undefined) request = request.set('Idempotency-Key', idempotencyKey);
              if (requestId !== undefined) request = request.set('X-Request-Id', requestId);
              const signature =
                route === 'webhook (signed)' ? signatureFor(body.text) : unsignedHeader(signatureKind, body.text);
              if (signature !== undefined) request = request.set('Stripe-Signature', signature);

              const response = await request.send(body.text);

              // The answer itself in the failure message, next to fast-check's counterexample.
              const answer = `${response.status} ${JSON.stringify(response.body)}`;
              expect(response.status < 500 ? 'not 5xx' : answer).toBe('not 5xx');
              if (response.status < 400) {
                expect(unsigned).toBe(false);
                expect(response.body.status).toBe('success');
                return;
              }
              expectErrorEnvelope(response.status, response.body);
              // A body the parser takes reaches the signature check, which refuses it.
              if (unsigned && parsesAsJson(body)) expect(response.body.code).toBe('INVALID_SIGNATURE');
              expect(await snapshot()).toEqual(before);
            },
          ),
          { numRuns: RUNS_PER_ROUTE },
        );
        expect(unitsUnaccountedFor(await db(auditStock))).toEqual([]);
      },
      120_000,
    );
  });

  describe('random sequences of holds, orders, payments and expiries', () => {
    it('should keep available_stock equal to the model after every command, never negative, nothing lost', async () => {
      const holdsService = t.app.get(HoldsService, { strict: false });
      const sweeper = t.app.get(ExpiredHoldsSweeper, { strict: false });
      const real: Real = { t, db, holdsService, sweeper };

      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 30 }), commandsArbitrary, async (totalStock, commands) => {
          const setup = async () => {
            const product = await db((dataSource) =>
              createProduct(dataSource, { totalStock, availableStock: totalStock }),
            );
            const model: StockModel = {
              productId: product.id,
              total: totalStock,
              available: totalStock,
              holds: [],
              orders: [],
              events: [],
            };
            return { model, real };
          };
          await fc.asyncModelRun(setup, commands);
        }),
        { numRuns: MODEL_RUNS, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
      );
      expect(unitsUnaccountedFor(await db(auditStock))).toEqual([]);
    }, 180_000);
  });
});

function expectErrorEnvelope(status: number, body: Record<string, unknown>): void {
  const { errors, ...rest } = body;
  expect(rest).toEqual({ status: 'error', code: expect.any(String), message: expect.any(String) });
  expect(CODES_BY_STATUS[status] ?? []).toContain(body.code);
  if (errors !== undefined) {
    for (const messages of Object.values(errors as object)) {
      expect(messages).toEqual(expect.arrayContaining([expect.any(String)]));
    }
  }
  // No stack, SQL or driver wording reaches a client.
  expect(body.message).not.toMatch(/\bat .+:\d+|SELECT|INSERT|UPDATE|ER_|SQLITE|QueryFailed|TypeError/);
}

/** What Fastify's parser accepts (it refuses `__proto__` and `constructor.prototype` keys as malformed). */
function parsesAsJson(body: FuzzBody): boolean {
  return (
    body.contentType.startsWith('application/json') &&
    body.text.length < 1_000_000 &&
    isJson(body.text) &&
    !/"__proto__"|"constructor"/.test(body.text)
  );
}

/** Products whose stock is negative or does not add up (units lost or doubled). */
function unitsUnaccountedFor(rows: Awaited<ReturnType<typeof auditStock>>) {
  return rows.filter((row) => row.difference !== 0 || row.availableStock < 0);
}

// ---------------------------------------------------------------------------------------
// The model: one product's stock, its holds, orders and payment events, as the API must see them.

type HoldState = 'active' | 'expired' | 'released' | 'used';
type OrderStatus = 'pending' | 'completed' | 'cancelled';
type PaymentStatus = 'paid' | 'failed';

interface StockModel {
  productId: number;
  total: number;
  available: number;
  holds: Array<{ id: number; quantity: number; state: HoldState }>;
  orders: Array<{ id: number; quantity: number; status: OrderStatus }>;
  events: Array<{ id: string; orderId: number; status: PaymentStatus }>;
}

interface Real {
  t: TestApp;
  db: <T>(work: (dataSource: DataSource) => Promise<T>) => Promise<T>;
  holdsService: HoldsService;
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
      m.holds.filter((hold) => hold.state === 'active' || hold.state === 'expired').map((hold) => hold.quantity),
    ),
    unitsInLiveOrders: sum(m.orders.filter((o) => o.status !== 'cancelled').map((o) => o.quantity)),
    difference: 0,
  });
}

/** A negative index is the newest item: the one a client usually acts on next. */
const pick = <T>(items: T[], index: number): T => items[index < 0 ? items.length - 1 : index % items.length];

class CreateHold implements StockCommand {
  constructor(readonly quantity: number) {}
  check = () => true;
  async run(m: StockModel, r: Real) {
    const response = await r.t.http.post('/api/holds').send({ product_id: m.productId, quantity: this.quantity });
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
    const refusal: Record<HoldState, string | undefined> = {
      active: undefined,
      used: 'HOLD_ALREADY_USED',
      released: 'HOLD_RELEASED',
      expired: 'HOLD_EXPIRED',
    };
    const code = refusal[hold.state];
    if (code) {
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 409, code });
    } else {
      expect(response.status).toBe(201);
      expect(response.body.data).toMatchObject({ hold_id: hold.id, quantity: hold.quantity, status: 'pending' });
      hold.state = 'used';
      m.orders.push({ id: response.body.data.id, quantity: hold.quantity, status: 'pending' });
    }
    await expectMatchesModel(m, r);
  }
  toString = () => `order(hold #${this.holdIndex})`;
}

/** A new payment event for an order, pending or already settled. */
class Pay implements StockCommand {
  constructor(
    readonly orderIndex: number,
    readonly status: PaymentStatus,
  ) {}
  check = (m: Readonly<StockModel>) => m.orders.length > 0;
  async run(m: StockModel, r: Real) {
    const order = pick(m.orders, this.orderIndex);
    const event = { id: `evt_model_${process.pid}_${++eventSeq}`, orderId: order.id, status: this.status };
    const response = await sendEvent(r, event);
    expect(response.status).toBe(200);
    if (order.status === 'pending') {
      order.status = this.status === 'paid' ? 'completed' : 'cancelled';
      if (order.status === 'cancelled') m.available += order.quantity;
      expect(response.body.message).toBe('Payment processed');
    } else {
      expect(response.body.message).toBe(`Event ignored: order already ${order.status}`);
    }
    expect(response.body.data).toEqual({ order_id: order.id, status: order.status });
    m.events.push(event);
    await expectMatchesModel(m, r);
  }
  toString = () => `pay(order #${this.orderIndex}, ${this.status})`;
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
    const response = await sendEvent(r, sent);
    if (sent === event) {
      const order = m.orders.find((o) => o.id === event.orderId)!;
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        message: 'Webhook already processed',
        data: { order_id: order.id, status: order.status },
      });
    } else {
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 409,
        code: 'EVENT_PAYLOAD_MISMATCH',
      });
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
    const released = await r.holdsService.releaseIfExpired(hold.id, 'job');
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

function sendEvent(r: Real, event: { id: string; orderId: number; status: PaymentStatus }) {
  const payload = JSON.stringify({ event_id: event.id, order_id: event.orderId, status: event.status });
  return r.t.http
    .post('/api/payments/webhook')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', signatureFor(payload))
    .send(payload);
}

const index = fc.oneof(fc.constant(-1), fc.nat({ max: 1000 }));
const quantity = fc.integer({ min: 1, max: 12 });
const paymentStatus = fc.constantFrom<PaymentStatus>('paid', 'failed');
/** Mostly the same payload (a redelivery), sometimes a changed one under the same event id. */
const redeliveryChange = fc.constantFrom<'none' | 'status' | 'order'>('none', 'none', 'status', 'order');
// Listed more than once: the commands that build state, so sequences reach orders and payments.
const commandsArbitrary = fc.commands(
  [
    quantity.map((q) => new CreateHold(q)),
    quantity.map((q) => new CreateHold(q)),
    quantity.map((q) => new CreateHold(q)),
    index.map((i) => new CreateOrder(i)),
    index.map((i) => new CreateOrder(i)),
    index.map((i) => new CreateOrder(i)),
    fc.tuple(index, paymentStatus).map(([i, status]) => new Pay(i, status)),
    fc.tuple(index, paymentStatus).map(([i, status]) => new Pay(i, status)),
    fc.tuple(index, redeliveryChange).map(([i, change]) => new Redeliver(i, change)),
    index.map((i) => new Expire(i)),
    index.map((i) => new ReleaseByJob(i)),
    fc.constant(new Sweep()),
  ],
  { maxCommands: MAX_COMMANDS, size: 'max' },
);

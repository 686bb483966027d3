import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { auditStock } from '../../src/database/stock-audit';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { createProduct } from '../factories/product.factory';
import { betweenUnits } from '../utils/embedded';
import {
  checkoutSessionEvent,
  CheckoutSessionEventType,
  customerCreatedEvent,
  paymentIntentEvent,
  PaymentIntentEventType,
} from '../factories/stripe-event.factory';
import { FuzzBody, fuzzBody, isJson, mutatedBody, optionalHeaderValue } from '../utils/json-fuzz';
import { commandsArbitrary, newModel, Real } from '../utils/stock-model';
import { createTestApp, TestApp } from '../utils/test-app';
import { signatureFor } from '../utils/webhook';

/** Every code a refusal may carry, per status (README, "Error codes"). */
const CODES_BY_STATUS: Record<number, string[]> = {
  400: ['MALFORMED_JSON', 'LIVEMODE_MISMATCH'],
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

/** Fuzz runs per route (5 routes: 375 requests in all). */
const RUNS_PER_ROUTE = 75;
/** Command sequences of the model test, each on a product of its own. */
const MODEL_RUNS = 30;

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
          counts: Object.fromEntries(
            Object.entries(counts as object).map(([key, value]) => [key, Number(value)]),
          ),
        };
      });
    }

    type Route =
      'holds' | 'orders' | 'webhook (signed)' | 'webhook (Stripe event, signed)' | 'webhook (unsigned)';
    const PATHS: Record<Route, string> = {
      holds: '/api/holds',
      orders: '/api/orders',
      'webhook (signed)': '/api/payments/webhook',
      'webhook (Stripe event, signed)': '/api/payments/webhook',
      'webhook (unsigned)': '/api/payments/webhook',
    };

    // Ids that exist (set up below: 3 products, 9 holds, 6 orders) or are just past the last
    // one, and quantities up to past MAX_HOLD_QUANTITY, so many requests reach the services.
    const webhookFields = {
      event_id: fc.constantFrom('evt_fuzz_1', 'evt_fuzz_2', 'evt_fuzz_3', 'evt_fuzz_4'),
      order_id: fc.integer({ min: 1, max: 8 }),
      status: fc.constantFrom('paid', 'failed'),
    };
    // Stripe's event objects (built like Stripe's), for the orders above: every handled type,
    // types that settle nothing, the exact amount (2 units at 10.00) or not, either mode, a
    // few event ids (so redeliveries and reused ids happen), then nested fields spoiled.
    const stripeEvent = fc
      .record({
        type: fc.constantFrom<PaymentIntentEventType | CheckoutSessionEventType | 'customer.created'>(
          'payment_intent.succeeded',
          'payment_intent.payment_failed',
          'payment_intent.canceled',
          'checkout.session.completed',
          'checkout.session.async_payment_succeeded',
          'checkout.session.async_payment_failed',
          'checkout.session.expired',
          'customer.created',
        ),
        id: fc.integer({ min: 1, max: 30 }).map((n) => `evt_stripe_fuzz_${n}`),
        orderId: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        clientReferenceId: fc.option(fc.integer({ min: 1, max: 8 }).map(String), { nil: null }),
        amount: fc.constantFrom(2000, 2000, 1999, 20),
        currency: fc.constantFrom('usd', 'usd', 'eur'),
        livemode: fc.constantFrom(false, false, false, true),
        paymentStatus: fc.constantFrom('paid' as const, 'unpaid' as const),
      })
      .map(({ type, ...options }): object => {
        if (type === 'customer.created') return customerCreatedEvent(options);
        if (type.startsWith('payment_intent.')) {
          return paymentIntentEvent(type as PaymentIntentEventType, options);
        }
        return checkoutSessionEvent(type as CheckoutSessionEventType, options);
      });
    const stripePaths = [
      'id',
      'object',
      'type',
      'livemode',
      'data',
      'data.object',
      'data.object.object',
      'data.object.metadata',
      'data.object.metadata.order_id',
      'data.object.client_reference_id',
      'data.object.amount_received',
      'data.object.amount_total',
      'data.object.currency',
      'data.object.payment_status',
    ];
    const BODIES: Record<Route, fc.Arbitrary<FuzzBody>> = {
      holds: fuzzBody({
        product_id: fc.integer({ min: 1, max: 4 }),
        quantity: fc.integer({ min: 1, max: 120 }),
      }),
      orders: fuzzBody({ hold_id: fc.integer({ min: 1, max: 14 }) }),
      'webhook (signed)': fuzzBody(webhookFields),
      'webhook (Stripe event, signed)': mutatedBody(stripeEvent, stripePaths),
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
          const hold = await t.http
            .post('/api/holds')
            .send({ product_id: product.id, quantity: 2 })
            .expect(201);
          if (i < 2) await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
        }
      }
    });

    it.each(Object.keys(PATHS) as Route[])(
      'should never answer 5xx at POST %s, refuse with the error envelope, and change nothing when refusing',
      async (route) => {
        const unsigned = route === 'webhook (unsigned)';
        const signed = route === 'webhook (signed)' || route === 'webhook (Stripe event, signed)';
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
              const signature = signed ? signatureFor(body.text) : unsignedHeader(signatureKind, body.text);
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
              // A correctly signed body gets past the signature check, to the part that refuses it.
              if (signed) expect(response.body.code).not.toBe('INVALID_SIGNATURE');
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
    it('should keep available_stock equal to the model after every command, every unit accounted for', async () => {
      const releases = t.app.get(HoldReleasesService, { strict: false });
      const sweeper = t.app.get(ExpiredHoldsSweeper, { strict: false });
      const real: Real = { t, db, releases, sweeper };

      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 30 }), commandsArbitrary, async (totalStock, commands) => {
          const setup = async () => {
            const product = await db((dataSource) =>
              createProduct(dataSource, { totalStock, availableStock: totalStock }),
            );
            return { model: newModel(product.id, totalStock), real };
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

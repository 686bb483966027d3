import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { HoldsService } from '../../src/holds/holds.service';
import { sqlDateTime } from '../../src/database/raw-sql';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { holdProductLock } from '../utils/product-lock';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const HOUR_MS = 3_600_000;

/** Sale windows and per-customer limits on POST /api/holds, decided under the product's lock. */
describe('Sale windows and customer limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const hold = (body: Record<string, unknown>) => t.http.post('/api/holds').send(body);

  async function refusals(reason: string): Promise<number> {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`flash_sale_holds_refused_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async function expireHold(holdId: number): Promise<void> {
    await t.dataSource.query('UPDATE holds SET hold_expires_at = ? WHERE id = ?', [
      sqlDateTime(new Date(Date.now() - 1_000)),
      holdId,
    ]);
  }

  describe('sale windows', () => {
    it('should refuse a hold before the start with 409 SALE_NOT_STARTED naming the start, take nothing and count it', async () => {
      const startsAt = new Date(Date.now() + HOUR_MS);
      const product = await createProduct(t.dataSource, { saleStartsAt: startsAt });
      const before = await refusals('sale_not_started');

      const response = await hold({ product_id: product.id, quantity: 1 }).expect(409);

      expect(response.body).toEqual({
        status: 'error',
        code: 'SALE_NOT_STARTED',
        message: `The sale of product ${product.id} has not started: it starts at ${startsAt.toISOString()}`,
      });
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100);
      expect(await refusals('sale_not_started')).toBe(before + 1);
    });

    it('should take a hold inside the window', async () => {
      const product = await createProduct(t.dataSource, {
        saleStartsAt: new Date(Date.now() - HOUR_MS),
        saleEndsAt: new Date(Date.now() + HOUR_MS),
      });

      await hold({ product_id: product.id, quantity: 3 }).expect(201);

      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(97);
    });

    it('should refuse a hold after the end with 409 SALE_ENDED, take nothing and count it', async () => {
      const endsAt = new Date(Date.now() - 1_000);
      const product = await createProduct(t.dataSource, {
        saleStartsAt: new Date(Date.now() - HOUR_MS),
        saleEndsAt: endsAt,
      });
      const before = await refusals('sale_ended');

      const response = await hold({ product_id: product.id, quantity: 1 }).expect(409);

      expect(response.body).toMatchObject({
        code: 'SALE_ENDED',
        message: `The sale of product ${product.id} ended at ${endsAt.toISOString()}`,
      });
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100);
      expect(await refusals('sale_ended')).toBe(before + 1);
    });

    it('should refuse every request of a batch once the window is closed', async () => {
      const product = await createProduct(t.dataSource, { saleEndsAt: new Date(Date.now() - 1_000) });

      const responses = await Promise.all(
        Array.from({ length: 20 }, () => hold({ product_id: product.id, quantity: 1 })),
      );

      expect(responses.map((response) => response.body.code)).toEqual(Array(20).fill('SALE_ENDED'));
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100);
    });

    it('should let a hold taken inside the window become an order after the window closed', async () => {
      const product = await createProduct(t.dataSource, { saleEndsAt: new Date(Date.now() + HOUR_MS) });
      const created = await hold({ product_id: product.id, quantity: 2 }).expect(201);
      await t.dataSource.query('UPDATE products SET sale_ends_at = ? WHERE id = ?', [
        sqlDateTime(new Date(Date.now() - 1_000)),
        product.id,
      ]);
      await hold({ product_id: product.id, quantity: 1 }).expect(409);

      await t.http.post('/api/orders').send({ hold_id: created.body.data.hold_id }).expect(201);
    });

    it('should show the window and the limit on the public product read (null when unset)', async () => {
      const startsAt = new Date('2030-01-01T09:00:00.000Z');
      const product = await createProduct(t.dataSource, { saleStartsAt: startsAt, maxPerCustomer: 2 });
      const plain = await createProduct(t.dataSource);

      const read = await t.http.get(`/api/products/${product.id}`).expect(200);
      const list = await t.http.get('/api/products?per_page=200').expect(200);

      expect(read.body.data).toMatchObject({
        sale_starts_at: startsAt.toISOString(),
        sale_ends_at: null,
        max_per_customer: 2,
      });
      expect(list.body.data.find((p: { id: number }) => p.id === plain.id)).toMatchObject({
        sale_starts_at: null,
        sale_ends_at: null,
        max_per_customer: null,
      });
    });
  });

  describe('customer limits', () => {
    it('should require customer_id when the product has a limit (422, nothing taken)', async () => {
      const product = await createProduct(t.dataSource, { maxPerCustomer: 2 });

      const response = await hold({ product_id: product.id, quantity: 1 }).expect(422);

      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: { customer_id: [expect.stringContaining('required')] },
      });
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100);
    });

    it('should take customer_id null as no customer', async () => {
      const product = await createProduct(t.dataSource);
      const response = await hold({ product_id: product.id, quantity: 1, customer_id: null }).expect(201);
      expect(response.body.data.customer_id).toBeNull();
    });

    it.each([[''], ['a'.repeat(256)], ['tab\there'], ['é'], [42], [['a']]])(
      'should refuse customer_id %j with 422',
      async (customerId) => {
        const product = await createProduct(t.dataSource);
        const response = await hold({ product_id: product.id, quantity: 1, customer_id: customerId }).expect(
          422,
        );
        expect(response.body.errors).toHaveProperty('customer_id');
      },
    );

    it('should store customer_id on the hold and its order, echo it to their POSTs and show null in reads', async () => {
      const product = await createProduct(t.dataSource);
      const created = await hold({
        product_id: product.id,
        quantity: 1,
        customer_id: 'cus_42@shop:eu.1-x',
      }).expect(201);
      expect(created.body.data.customer_id).toBe('cus_42@shop:eu.1-x');

      const read = await t.http.get(`/api/holds/${created.body.data.hold_id}`).expect(200);
      const order = await t.http.post('/api/orders').send({ hold_id: created.body.data.hold_id }).expect(201);

      // BUYER_AUTH=off: anyone may read, so no read reveals the buyer.
      expect(read.body.data.customer_id).toBeNull();
      expect(order.body.data.customer_id).toBe('cus_42@shop:eu.1-x');
      expect(
        (await t.http.get(`/api/orders/${order.body.data.id}`).expect(200)).body.data.customer_id,
      ).toBeNull();
      const stored = await t.dataSource.query('SELECT customer_id FROM orders WHERE id = ?', [
        order.body.data.id,
      ]);
      expect(stored[0].customer_id).toBe('cus_42@shop:eu.1-x');
    });

    it('should count sequential holds per customer, exactly (case-sensitive ids)', async () => {
      const product = await createProduct(t.dataSource, { maxPerCustomer: 3 });
      const forAlice = (quantity: number) => hold({ product_id: product.id, quantity, customer_id: 'Alice' });

      await forAlice(2).expect(201);
      const refused = await forAlice(2).expect(409);
      await forAlice(1).expect(201);
      await forAlice(1).expect(409);
      await hold({ product_id: product.id, quantity: 3, customer_id: 'alice' }).expect(201);
      await hold({ product_id: product.id, quantity: 4, customer_id: 'bob' }).expect(409);

      expect(refused.body).toEqual({
        status: 'error',
        code: 'CUSTOMER_LIMIT_EXCEEDED',
        message:
          'Customer limit exceeded: at most 3 units per customer, 1 left for this customer, requested 2',
      });
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(94);
    });

    it('should give exactly 2 of 20 concurrent 1-unit holds of one customer with max_per_customer = 2', async () => {
      const product = await createProduct(t.dataSource, { maxPerCustomer: 2 });

      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          hold({ product_id: product.id, quantity: 1, customer_id: 'scalper' }),
        ),
      );

      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(2);
      expect(
        responses.filter((response) => response.status === 409).map((response) => response.body.code),
      ).toEqual(Array(18).fill('CUSTOMER_LIMIT_EXCEEDED'));
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(98);
    });

    it('should count two customers apart inside one batch', async () => {
      const product = await createProduct(t.dataSource, {
        maxPerCustomer: 2,
        totalStock: 100,
        availableStock: 100,
      });
      const holds = t.app.get(HoldsService);
      const lock = await holdProductLock(t, product.id);

      const pending = Array.from({ length: 40 }, (_, index) =>
        hold({ product_id: product.id, quantity: 1, customer_id: index % 2 === 0 ? 'ann' : 'ben' }).then(
          (response) => response,
        ),
      );
      // One request runs (waiting on the lock), the other 39 queue for the next batch.
      const queued = await pollUntil(
        () => (holds.queuedFor(product.id) === 39 ? true : undefined),
        Date.now() + 10_000,
      );
      await lock.release();
      const responses = await Promise.all(pending);

      expect(queued).toBe(true);
      const granted = responses
        .filter((response) => response.status === 201)
        .map((response) => response.body.data.customer_id);
      expect(granted.sort()).toEqual(['ann', 'ann', 'ben', 'ben']);
      expect(
        responses
          .filter((response) => response.status !== 201)
          .every((response) => response.body.code === 'CUSTOMER_LIMIT_EXCEEDED'),
      ).toBe(true);
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(96);
    });

    it('should give the allowance back when a hold expires, and keep it back after the release', async () => {
      const product = await createProduct(t.dataSource, { maxPerCustomer: 2 });
      const first = await hold({ product_id: product.id, quantity: 2, customer_id: 'carol' }).expect(201);
      await hold({ product_id: product.id, quantity: 1, customer_id: 'carol' }).expect(409);

      await expireHold(first.body.data.hold_id);
      await hold({ product_id: product.id, quantity: 2, customer_id: 'carol' }).expect(201);

      await t.app.get(HoldReleasesService).release([first.body.data.hold_id], 'sweeper');
      await hold({ product_id: product.id, quantity: 1, customer_id: 'carol' }).expect(409);
      expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(98);
    });

    it('should give the allowance back after a failed payment, and not after a successful one', async () => {
      const product = await createProduct(t.dataSource, { maxPerCustomer: 2 });
      const buy = async (customer: string, eventId: string, status: 'paid' | 'failed') => {
        const created = await hold({ product_id: product.id, quantity: 2, customer_id: customer }).expect(
          201,
        );
        const order = await t.http
          .post('/api/orders')
          .send({ hold_id: created.body.data.hold_id })
          .expect(201);
        await sendWebhook(t.http, { event_id: eventId, order_id: order.body.data.id, status }).expect(200);
      };

      await buy('dave', 'evt_limit_failed', 'failed');
      await hold({ product_id: product.id, quantity: 2, customer_id: 'dave' }).expect(201);

      await buy('erin', 'evt_limit_paid', 'paid');
      const refused = await hold({ product_id: product.id, quantity: 1, customer_id: 'erin' }).expect(409);
      expect(refused.body.code).toBe('CUSTOMER_LIMIT_EXCEEDED');
    });

    it('should still refuse on stock for a customer within the limit', async () => {
      const product = await createProduct(t.dataSource, {
        maxPerCustomer: 5,
        totalStock: 3,
        availableStock: 3,
      });
      const response = await hold({ product_id: product.id, quantity: 4, customer_id: 'frank' }).expect(409);
      expect(response.body.code).toBe('INSUFFICIENT_STOCK');
    });
  });
});

import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { LogCapture } from '../utils/log-capture';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const ALICE = 'alice-token-for-e2e-0123456789abcdef';
const BARE = 'bare-admin-token-e2e-fedcba9876543210';

/** The operator's orders: reads, cancel, restore, the ledger and who did it, through HTTP. */
describe('Admin orders API (e2e)', () => {
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await createTestApp(
      { ADMIN_API_TOKEN: `alice:${ALICE},${BARE}`, LOG_LEVEL: 'info' },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  const alice = { Authorization: `Bearer ${ALICE}` };
  const bare = { Authorization: `Bearer ${BARE}` };
  const cancel = (id: number, body: object = { reason: 'customer asked' }, auth = alice) =>
    t.http.post(`/api/admin/orders/${id}/cancel`).set(auth).send(body);
  const restore = (id: number, auth = alice) =>
    t.http.post(`/api/admin/orders/${id}/restore`).set(auth).send();
  const detail = async (id: number) =>
    (await t.http.get(`/api/admin/orders/${id}`).set(alice).expect(200)).body.data;
  const movements = async (productId: number) =>
    (await t.http.get(`/api/admin/products/${productId}/movements`).set(alice).expect(200)).body;
  const available = async (productId: number) =>
    (await reloadProduct(t.dataSource, productId)).availableStock;

  async function pendingOrder(productId: number, quantity = 2, customerId?: string) {
    const hold = await t.http
      .post('/api/holds')
      .send({ product_id: productId, quantity, ...(customerId ? { customer_id: customerId } : {}) })
      .expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    return order.body.data as { id: number; hold_id: number; amount: string };
  }

  describe('GET /api/admin/orders', () => {
    it('should list orders newest first with customer_id, filtered and paginated, behind the admin token', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 20, availableStock: 20 });
      const other = await createProduct(t.dataSource, { totalStock: 5, availableStock: 5 });
      const first = await pendingOrder(product.id, 1, 'cust-a');
      const second = await pendingOrder(product.id, 1, 'cust-b');
      await pendingOrder(other.id, 1, 'cust-a');
      await sendWebhook(t.http, {
        event_id: `evt_list_${second.id}`,
        order_id: second.id,
        status: 'paid',
      }).expect(200);

      await t.http.get('/api/admin/orders').expect(401);
      const all = await t.http.get(`/api/admin/orders?product_id=${product.id}`).set(alice).expect(200);
      expect(all.body.meta).toEqual({ page: 1, per_page: 50, total: 2 });
      expect(all.body.data.map((o: { id: number }) => o.id)).toEqual([second.id, first.id]);
      expect(all.body.data[1]).toEqual({
        id: first.id,
        hold_id: first.hold_id,
        product_id: product.id,
        customer_id: 'cust-a',
        quantity: 1,
        amount: first.amount,
        status: 'pending',
        cancel_reason: null,
        payment_idempotency_key: null,
        paid_after_cancellation: false,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });

      const completed = await t.http
        .get(`/api/admin/orders?product_id=${product.id}&status=completed`)
        .set(alice)
        .expect(200);
      expect(completed.body.data.map((o: { id: number }) => o.id)).toEqual([second.id]);
      const byCustomer = await t.http
        .get('/api/admin/orders?customer_id=cust-a&per_page=1')
        .set(alice)
        .expect(200);
      expect(byCustomer.body.meta.total).toBeGreaterThanOrEqual(2);
      expect(byCustomer.body.data).toHaveLength(1);
      expect(byCustomer.body.data[0].customer_id).toBe('cust-a');

      const createdAt = all.body.data[1].created_at as string;
      const window = await t.http
        .get(`/api/admin/orders?product_id=${product.id}&created_from=${createdAt}&created_to=${createdAt}`)
        .set(alice)
        .expect(200);
      expect(window.body.data).toEqual([]); // created_to is exclusive
      const future = await t.http
        .get(`/api/admin/orders?product_id=${product.id}&created_from=2999-01-01T00:00:00Z`)
        .set(alice)
        .expect(200);
      expect(future.body.meta.total).toBe(0);
    });

    it.each([['status=paid'], ['product_id=0'], ['created_from=yesterday'], ['per_page=500']])(
      'should refuse %s with 422 VALIDATION_FAILED',
      async (query) => {
        const response = await t.http.get(`/api/admin/orders?${query}`).set(alice).expect(422);
        expect(response.body).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
      },
    );
  });

  describe('POST /api/admin/orders/:id/cancel', () => {
    it('should cancel a pending order, give its units back once, record the movement and the actor, and log it', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
      const order = await pendingOrder(product.id, 3, 'cust-c');
      expect(await available(product.id)).toBe(7);

      const response = await cancel(order.id, { reason: 'fraud check failed' }).expect(200);

      expect(response.body.data).toMatchObject({
        id: order.id,
        status: 'cancelled',
        cancel_reason: 'operator',
        customer_id: 'cust-c',
        paid_after_cancellation: false,
        hold: expect.objectContaining({ id: order.hold_id, status: 'used' }),
        payment_events: [],
      });
      expect(await available(product.id)).toBe(10);
      const ledger = await movements(product.id);
      expect(ledger.data[0]).toEqual({
        id: expect.any(Number),
        product_id: product.id,
        kind: 'operator_cancel',
        delta: 3,
        total_stock: 10,
        available_stock: 10,
        reason: 'fraud check failed',
        actor: 'alice',
        order_id: order.id,
        created_at: expect.any(String),
      });
      const line = await logs.waitFor(
        (l) => l.event === 'order.cancelled_by_operator' && l.order_id === order.id,
      );
      expect(line).toMatchObject({ actor: 'alice', product_id: product.id, quantity: 3 });

      // Twice: 409 and no second return of the units.
      const again = await cancel(order.id).expect(409);
      expect(again.body).toEqual({ status: 'error', code: 'ORDER_NOT_PENDING', message: expect.any(String) });
      expect(await available(product.id)).toBe(10);
      expect((await t.http.get(`/api/products/${product.id}`).expect(200)).body.data.available_stock).toBe(
        10,
      );
    });

    it('should refuse a completed order with 409 ORDER_NOT_PENDING', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 4, availableStock: 4 });
      const order = await pendingOrder(product.id, 1);
      await sendWebhook(t.http, {
        event_id: `evt_done_${order.id}`,
        order_id: order.id,
        status: 'paid',
      }).expect(200);

      const response = await cancel(order.id).expect(409);

      expect(response.body.code).toBe('ORDER_NOT_PENDING');
      expect(await available(product.id)).toBe(3);
    });

    it.each([
      ['no reason', {}],
      ['an empty reason', { reason: '' }],
      ['a reason over 200 characters', { reason: 'x'.repeat(201) }],
      ['a reason that is not a string', { reason: 5 }],
    ])('should refuse %s with 422 and change nothing', async (_, body) => {
      const product = await createProduct(t.dataSource, { totalStock: 4, availableStock: 4 });
      const order = await pendingOrder(product.id, 1);

      const response = await cancel(order.id, body).expect(422);

      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect((await detail(order.id)).status).toBe('pending');
    });

    it('should answer 404 ORDER_NOT_FOUND for an unknown order', async () => {
      expect((await cancel(2_000_000_000).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
      expect((await restore(2_000_000_000).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
      expect((await t.http.get('/api/admin/orders/2000000000').set(alice).expect(404)).body.code).toBe(
        'ORDER_NOT_FOUND',
      );
    });

    it('should replay a cancel with the same Idempotency-Key without moving units again', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 6, availableStock: 6 });
      const order = await pendingOrder(product.id, 2);
      const send = () =>
        t.http
          .post(`/api/admin/orders/${order.id}/cancel`)
          .set(alice)
          .set('Idempotency-Key', `cancel-${order.id}`)
          .send({ reason: 'duplicate order' });

      const first = await send().expect(200);
      const second = await send().expect(200);

      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(await available(product.id)).toBe(6);
      expect(
        (await movements(product.id)).data.filter((m: { kind: string }) => m.kind === 'operator_cancel'),
      ).toHaveLength(1);
    });

    it('should let exactly one of a cancel and a racing paid webhook win, with exact stock', async () => {
      for (let round = 0; round < 8; round++) {
        const product = await createProduct(t.dataSource, { totalStock: 5, availableStock: 5 });
        const order = await pendingOrder(product.id, 2);
        const eventId = `evt_race_${order.id}`;

        const [cancelled, paid] = await Promise.all([
          cancel(order.id, { reason: 'race' }),
          sendWebhook(t.http, { event_id: eventId, order_id: order.id, status: 'paid' }),
        ]);

        expect(paid.status).toBe(200);
        const after = await detail(order.id);
        if (cancelled.status === 200) {
          expect(after).toMatchObject({
            status: 'cancelled',
            cancel_reason: 'operator',
            paid_after_cancellation: true,
          });
          expect(after.payment_events).toEqual([
            expect.objectContaining({ event_id: eventId, outcome: 'paid_after_cancellation' }),
          ]);
          expect(await available(product.id)).toBe(5);
        } else {
          expect(cancelled.status).toBe(409);
          expect(cancelled.body.code).toBe('ORDER_NOT_PENDING');
          expect(after).toMatchObject({ status: 'completed', paid_after_cancellation: false });
          expect(after.payment_events).toEqual([
            expect.objectContaining({ event_id: eventId, outcome: 'applied' }),
          ]);
          expect(await available(product.id)).toBe(3);
        }
      }
    });
  });

  describe('POST /api/admin/orders/:id/restore', () => {
    async function paidAfterCancellation(totalStock: number, quantity: number) {
      const product = await createProduct(t.dataSource, { totalStock, availableStock: totalStock });
      const order = await pendingOrder(product.id, quantity);
      await cancel(order.id, { reason: 'no answer from the buyer' }, bare).expect(200);
      const late = await sendWebhook(t.http, {
        event_id: `evt_late_${order.id}`,
        order_id: order.id,
        status: 'paid',
      }).expect(200);
      return { product, order, late };
    }

    it('should show the late payment, then restore the order: completed, units taken again, movement by its actor', async () => {
      const { product, order } = await paidAfterCancellation(10, 4);
      const before = await detail(order.id);
      expect(before).toMatchObject({ status: 'cancelled', paid_after_cancellation: true });
      expect(before.payment_events).toEqual([
        {
          event_id: `evt_late_${order.id}`,
          type: null,
          status: 'paid',
          amount: null,
          currency: null,
          received_at: expect.any(String),
          outcome: 'paid_after_cancellation',
        },
      ]);
      expect(await available(product.id)).toBe(10);

      const response = await restore(order.id, bare).expect(200);

      expect(response.body.data).toMatchObject({
        id: order.id,
        status: 'completed',
        cancel_reason: null,
        payment_idempotency_key: `evt_late_${order.id}`,
      });
      expect(await available(product.id)).toBe(6);
      const ledger = (await movements(product.id)).data;
      expect(
        ledger.map((m: { kind: string; actor: string; delta: number }) => [m.kind, m.actor, m.delta]),
      ).toEqual([
        ['restore', 'admin', -4],
        ['operator_cancel', 'admin', 4],
      ]); // the factory's product has no initial-stock line
      expect(ledger[0]).toMatchObject({ available_stock: 6, total_stock: 10, order_id: order.id });
      await logs.waitFor(
        (l) => l.event === 'order.restored' && l.order_id === order.id && l.actor === 'admin',
      );

      const again = await restore(order.id).expect(409);
      expect(again.body.code).toBe('ORDER_NOT_RESTORABLE');
      expect(await available(product.id)).toBe(6);
    });

    it('should refuse orders that are not cancelled-and-paid-late with 409 ORDER_NOT_RESTORABLE', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
      const pending = await pendingOrder(product.id, 1);
      const cancelledUnpaid = await pendingOrder(product.id, 1);
      await cancel(cancelledUnpaid.id).expect(200);

      expect((await restore(pending.id).expect(409)).body.code).toBe('ORDER_NOT_RESTORABLE');
      expect((await restore(cancelledUnpaid.id).expect(409)).body.code).toBe('ORDER_NOT_RESTORABLE');
      expect(await available(product.id)).toBe(9);
    });

    it('should answer 409 INSUFFICIENT_STOCK and change nothing when the units are gone', async () => {
      const { product, order } = await paidAfterCancellation(3, 3);
      await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);

      const response = await restore(order.id).expect(409);

      expect(response.body.code).toBe('INSUFFICIENT_STOCK');
      expect((await detail(order.id)).status).toBe('cancelled');
      expect(await available(product.id)).toBe(1);
    });

    it('should be exact when a restore races holds for the last units', async () => {
      for (let round = 0; round < 5; round++) {
        const { product, order } = await paidAfterCancellation(4, 3);
        // 4 available; the restore wants 3, four holds of 1 want the rest.
        const [restored, ...holds] = await Promise.all([
          restore(order.id),
          ...Array.from({ length: 4 }, () =>
            t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }),
          ),
        ]);

        const held = holds.filter((h) => h.status === 201).length;
        expect(holds.every((h) => h.status === 201 || h.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
        const taken = restored.status === 200 ? 3 : 0;
        if (restored.status !== 200) expect(restored.body.code).toBe('INSUFFICIENT_STOCK');
        expect(taken + held).toBeLessThanOrEqual(4);
        expect(await available(product.id)).toBe(4 - taken - held);
        expect((await detail(order.id)).status).toBe(taken ? 'completed' : 'cancelled');
        // Nothing was left over that either could have taken.
        expect(4 - taken - held).toBeLessThan(taken ? 1 : 3);
      }
    });
  });

  describe('GET /api/admin/products/:id/movements', () => {
    it('should page the ledger newest first, with kinds and actors of restocks and removals', async () => {
      const created = await t.http
        .post('/api/admin/products')
        .set(alice)
        .send({ name: 'Ledger', price: '1.00', total_stock: 5 })
        .expect(201);
      const id = created.body.data.id as number;
      await t.http
        .post(`/api/admin/products/${id}/stock`)
        .set(bare)
        .send({ delta: 3, reason: 'more' })
        .expect(200);
      await t.http
        .post(`/api/admin/products/${id}/stock`)
        .set(alice)
        .send({ delta: -2, reason: 'damaged' })
        .expect(200);

      const firstPage = await t.http
        .get(`/api/admin/products/${id}/movements?per_page=2`)
        .set(alice)
        .expect(200);
      const secondPage = await t.http
        .get(`/api/admin/products/${id}/movements?per_page=2&page=2`)
        .set(alice)
        .expect(200);

      expect(firstPage.body.meta).toEqual({ page: 1, per_page: 2, total: 3 });
      const lines = [...firstPage.body.data, ...secondPage.body.data].map(
        (m: {
          kind: string;
          delta: number;
          total_stock: number;
          available_stock: number;
          reason: string;
          actor: string;
        }) => [m.kind, m.delta, m.total_stock, m.available_stock, m.reason, m.actor],
      );
      expect(lines).toEqual([
        ['removal', -2, 6, 6, 'damaged', 'alice'],
        ['restock', 3, 8, 8, 'more', 'admin'],
        ['restock', 5, 5, 5, 'initial stock', 'alice'],
      ]);
      const adjusted = await logs.waitFor(
        (l) => l.event === 'stock.adjusted' && l.product_id === id && l.delta === 3,
      );
      expect(adjusted.actor).toBe('admin');
    });

    it('should answer 404 PRODUCT_NOT_FOUND for an unknown product and 401 without a token', async () => {
      expect(
        (await t.http.get('/api/admin/products/2000000000/movements').set(alice).expect(404)).body.code,
      ).toBe('PRODUCT_NOT_FOUND');
      await t.http.get('/api/admin/products/1/movements').expect(401);
    });
  });
});

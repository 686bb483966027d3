import { randomUUID } from 'node:crypto';
import { IdempotencyRecord } from '../../src/idempotency/idempotency-record.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { paymentIntentEvent } from '../factories/stripe-event.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const TOKEN = 'admin-token-for-unknown-fields-0123456789';

/**
 * A body field no route declares is a 422 VALIDATION_FAILED naming it, never silently dropped
 * (an operator who types `max_per_costumer` must not believe the sale is capped). The payment
 * webhook is the exception: Stripe adds fields to its events without notice.
 */
describe('Unknown body fields (e2e)', () => {
  let t: TestApp;
  const auth = { Authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await t.close();
  });

  const unknownField = (field: string) => ({
    status: 'error',
    code: 'VALIDATION_FAILED',
    message: 'The request is invalid',
    errors: { [field]: [`${field} is not a known field; check its spelling`] },
  });
  const productCount = async () =>
    Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM products'))[0].n);

  it('should refuse a product created with max_per_costumer, creating nothing', async () => {
    const before = await productCount();

    const response = await t.http
      .post('/api/admin/products')
      .set(auth)
      .send({ name: 'Capped drop', price: '10.00', total_stock: 5, max_per_costumer: 1 })
      .expect(422);

    expect(response.body).toEqual(unknownField('max_per_costumer'));
    expect(await productCount()).toBe(before);
  });

  it('should refuse any field on an order restore, which takes no body, before looking at the order', async () => {
    const response = await t.http
      .post('/api/admin/orders/2000000000/restore')
      .set(auth)
      .send({ reason: 'paid late' })
      .expect(422);

    expect(response.body).toEqual(unknownField('reason'));
    // No body and an empty one are the normal calls: the order is looked up.
    await t.http.post('/api/admin/orders/2000000000/restore').set(auth).expect(404);
    await t.http.post('/api/admin/orders/2000000000/restore').set(auth).send({}).expect(404);
  });

  it('should refuse a PATCH with a misspelled window field, changing nothing', async () => {
    const product = await createProduct(t.dataSource, { saleEndsAt: null });

    const response = await t.http
      .patch(`/api/admin/products/${product.id}`)
      .set(auth)
      .send({ sale_end_at: '2030-12-01T10:00:00Z' })
      .expect(422);

    expect(response.body).toEqual(unknownField('sale_end_at'));
    expect((await reloadProduct(t.dataSource, product.id)).saleEndsAt).toBeNull();
  });

  it('should refuse a stock adjustment with an unknown field, changing nothing and storing no key', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = randomUUID();

    const response = await t.http
      .post(`/api/admin/products/${product.id}/stock`)
      .set(auth)
      .set('Idempotency-Key', key)
      .send({ delta: 5, reasn: 'second shipment' })
      .expect(422);

    expect(response.body).toEqual(unknownField('reasn'));
    expect(await reloadProduct(t.dataSource, product.id)).toMatchObject({
      totalStock: 10,
      availableStock: 10,
    });
    expect(await t.dataSource.getRepository(IdempotencyRecord).countBy({ key })).toBe(0);
  });

  it('should refuse a hold with an unknown field (also one named like an Object.prototype member), taking nothing', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });

    for (const field of ['customer', 'toString', 'constructor']) {
      const response = await t.http
        .post('/api/holds')
        .send({ product_id: product.id, quantity: 1, [field]: 'cus_42' })
        .expect(422);
      expect(response.body).toEqual(unknownField(field));
    }
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(10);
  });

  it('should name every unknown field beside the known ones that fail', async () => {
    const response = await t.http.post('/api/holds').send({ quantity: 0, qty: 1, sku: 'x' }).expect(422);

    expect(Object.keys(response.body.errors).sort()).toEqual(['product_id', 'qty', 'quantity', 'sku']);
  });

  it('should refuse an order with an unknown field, creating no order', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);

    const response = await t.http
      .post('/api/orders')
      .send({ hold_id: hold.body.data.hold_id, coupon: 'FREE' })
      .expect(422);

    expect(response.body).toEqual(unknownField('coupon'));
    const orders = await t.dataSource.query('SELECT COUNT(*) AS n FROM orders WHERE hold_id = ?', [
      hold.body.data.hold_id,
    ]);
    expect(Number(orders[0].n)).toBe(0);
  });

  it('should keep accepting fields it does not know at the payment webhook, in both body shapes', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10, price: '10.00' });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
    const first = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    const hold2 = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
    const second = await t.http.post('/api/orders').send({ hold_id: hold2.body.data.hold_id }).expect(201);

    const original = await sendWebhook(t.http, {
      event_id: `evt_extra_${first.body.data.id}`,
      order_id: first.body.data.id,
      status: 'paid',
      provider_reference: 'psp_123',
    }).expect(200);
    const event = paymentIntentEvent('payment_intent.succeeded', {
      orderId: second.body.data.id,
      amount: 2000,
    });
    const stripe = await sendWebhook(t.http, {
      ...event,
      a_field_stripe_adds_next_year: { nested: true },
      data: { ...event.data, previous_attributes: { status: 'processing' } },
    }).expect(200);

    expect(original.body.data).toEqual({ order_id: first.body.data.id, status: 'completed' });
    expect(stripe.body.data).toEqual({ order_id: second.body.data.id, status: 'completed' });
  });
});

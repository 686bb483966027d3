import { Hold } from '../src/holds/hold.entity';
import { PaymentEvent } from '../src/payments/payment-event.entity';
import { createProduct, reloadProduct } from './factories/product.factory';
import { createTestApp, TestApp } from './utils/test-app';
import { sendWebhook } from './utils/webhook';

/** Real parallel HTTP requests against the real MariaDB: the locks, not luck, must hold. */
describe('Concurrency (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function heldUnits(productId: number): Promise<number> {
    const [{ units }] = await t.dataSource.query(
      'SELECT COALESCE(SUM(quantity), 0) AS units FROM holds WHERE product_id = ?',
      [productId],
    );
    return Number(units);
  }

  it("should let exactly 10 of 30 parallel holds of 10 succeed on 100 units (the original's test)", async () => {
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });

    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.http.post('/api/holds').send({ product_id: product.id, quantity: 10 }),
      ),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(20);
    for (const refused of responses.filter((response) => response.status === 409)) {
      expect(refused.body.code).toBe('INSUFFICIENT_STOCK');
    }
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(0);
    expect(await heldUnits(product.id)).toBe(100);
  });

  it('should never oversell under 200 parallel holds of mixed sizes', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 300, availableStock: 300 });
    const quantities = Array.from({ length: 200 }, (_, index) => (index % 5) + 1);

    const responses = await Promise.all(
      quantities.map((quantity) => t.http.post('/api/holds').send({ product_id: product.id, quantity })),
    );

    expect(responses.every((response) => response.status === 201 || response.status === 409)).toBe(true);
    const granted = responses
      .filter((response) => response.status === 201)
      .reduce((sum, response) => sum + (response.body.data.quantity as number), 0);
    const { availableStock } = await reloadProduct(t.dataSource, product.id);
    expect(granted).toBeLessThanOrEqual(300);
    expect(availableStock).toBe(300 - granted);
    expect(availableStock).toBeGreaterThanOrEqual(0);
    expect(await heldUnits(product.id)).toBe(granted);
    // 600 units were asked for 300: the product must have sold out, not refused early.
    expect(availableStock).toBeLessThan(5);
  });

  it('should create exactly one order from 20 parallel orders on one hold', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 3 }).expect(201);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id })),
    );

    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
    const refused = responses.filter((response) => response.status !== 201);
    expect(refused).toHaveLength(19);
    expect(
      refused.every((response) => response.status === 409 && response.body.code === 'HOLD_ALREADY_USED'),
    ).toBe(true);
  });

  async function pendingOrder(quantity: number) {
    const product = await createProduct(t.dataSource, { totalStock: 50, availableStock: 50 });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity }).expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    return { productId: product.id, orderId: order.body.data.id as number };
  }

  it('should process one event delivered 20 times in parallel exactly once', async () => {
    const { orderId } = await pendingOrder(2);
    const body = { event_id: 'evt_parallel_paid', order_id: orderId, status: 'paid' };

    const responses = await Promise.all(Array.from({ length: 20 }, () => sendWebhook(t.http, body)));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    const messages = responses.map((response) => response.body.message);
    expect(messages.filter((message) => message === 'Payment processed')).toHaveLength(1);
    expect(messages.filter((message) => message === 'Webhook already processed')).toHaveLength(19);
    expect(await t.dataSource.getRepository(PaymentEvent).countBy({ eventId: body.event_id })).toBe(1);
  });

  it('should return stock exactly once when a failed payment is delivered 20 times in parallel', async () => {
    const { orderId, productId } = await pendingOrder(7);
    const body = { event_id: 'evt_parallel_failed', order_id: orderId, status: 'failed' };

    const responses = await Promise.all(Array.from({ length: 20 }, () => sendWebhook(t.http, body)));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(50);
  });

  it('should settle an order once when "paid" and "failed" events race', async () => {
    const { orderId, productId } = await pendingOrder(5);

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        sendWebhook(t.http, {
          event_id: `evt_race_${index}`,
          order_id: orderId,
          status: index % 2 ? 'paid' : 'failed',
        }),
      ),
    );

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(responses.filter((response) => response.body.message === 'Payment processed')).toHaveLength(1);
    const order = await t.http.get(`/api/orders/${orderId}`).expect(200);
    const expectedStock = order.body.data.status === 'cancelled' ? 50 : 45;
    expect((await reloadProduct(t.dataSource, productId)).availableStock).toBe(expectedStock);
    expect(await t.dataSource.getRepository(PaymentEvent).countBy({ orderId, outcome: 'applied' })).toBe(1);
  });

  it('should keep every unit accounted for when holds, orders and payments interleave', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 60, availableStock: 60 });
    const holds = await Promise.all(
      Array.from({ length: 40 }, () =>
        t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }),
      ),
    );
    const holdIds = holds
      .filter((response) => response.status === 201)
      .map((response) => response.body.data.hold_id);
    const orders = await Promise.all(
      holdIds.map((holdId) => t.http.post('/api/orders').send({ hold_id: holdId })),
    );
    await Promise.all(
      orders.map((response, index) =>
        sendWebhook(t.http, {
          event_id: `evt_mix_${response.body.data.id}`,
          order_id: response.body.data.id,
          status: index % 3 === 0 ? 'failed' : 'paid',
        }),
      ),
    );

    const [{ units }] = await t.dataSource.query(
      "SELECT COALESCE(SUM(quantity), 0) AS units FROM orders WHERE product_id = ? AND status IN ('pending', 'completed')",
      [product.id],
    );
    const activeHoldUnits = await t.dataSource
      .getRepository(Hold)
      .createQueryBuilder('hold')
      .select('COALESCE(SUM(hold.quantity), 0)', 'units')
      .where('hold.product_id = :id AND hold.used_at IS NULL AND hold.released_at IS NULL', {
        id: product.id,
      })
      .getRawOne<{ units: string }>();
    const { availableStock, totalStock } = await reloadProduct(t.dataSource, product.id);
    expect(totalStock - availableStock).toBe(Number(units) + Number(activeHoldUnits!.units));
  });
});

import { Hold } from '../../src/holds/hold.entity';
import { insertHold } from '../factories/hold.factory';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Orders API (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function holdOf(quantity: number, price = '99.99') {
    const product = await createProduct(t.dataSource, { price });
    const response = await t.http.post('/api/holds').send({ product_id: product.id, quantity }).expect(201);
    return { product, holdId: response.body.data.hold_id as number };
  }

  it('should turn an active hold into a pending order priced at price x quantity', async () => {
    const { product, holdId } = await holdOf(5);

    const response = await t.http.post('/api/orders').send({ hold_id: holdId }).expect(201);

    expect(response.body).toEqual({
      status: 'success',
      data: {
        id: expect.any(Number),
        hold_id: holdId,
        product_id: product.id,
        quantity: 5,
        customer_id: null,
        amount: '499.95',
        status: 'pending',
        cancel_reason: null,
        payment_idempotency_key: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    const hold = await t.http.get(`/api/holds/${holdId}`).expect(200);
    expect(hold.body.data).toMatchObject({ status: 'used', used_at: expect.any(String), released_at: null });
    // The units stay taken: they now belong to the order.
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(95);
  });

  it('should show and list orders', async () => {
    const { holdId } = await holdOf(1);
    const created = await t.http.post('/api/orders').send({ hold_id: holdId }).expect(201);

    const shown = await t.http.get(`/api/orders/${created.body.data.id}`).expect(200);
    const listed = await t.http.get('/api/orders?per_page=1').expect(200);

    expect(shown.body.data).toEqual(created.body.data);
    expect(listed.body.data).toEqual([created.body.data]);
    expect(listed.body.meta).toMatchObject({ page: 1, per_page: 1 });
  });

  it('should refuse a second order for the same hold with 409 HOLD_ALREADY_USED', async () => {
    const { holdId } = await holdOf(2);
    await t.http.post('/api/orders').send({ hold_id: holdId }).expect(201);

    const response = await t.http.post('/api/orders').send({ hold_id: holdId }).expect(409);

    expect(response.body.code).toBe('HOLD_ALREADY_USED');
  });

  it('should refuse an expired hold with 409 HOLD_EXPIRED, even before its release ran', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 2,
      holdExpiresAt: new Date(Date.now() - 1),
    });

    const response = await t.http.post('/api/orders').send({ hold_id: hold.id }).expect(409);

    expect(response.body.code).toBe('HOLD_EXPIRED');
    expect(await t.dataSource.getRepository(Hold).findOneByOrFail({ id: hold.id })).toMatchObject({
      usedAt: null,
    });
  });

  it('should refuse a released hold with 409 HOLD_RELEASED', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 2,
      holdExpiresAt: new Date(Date.now() - 1000),
      releasedAt: new Date(),
    });

    const response = await t.http.post('/api/orders').send({ hold_id: hold.id }).expect(409);

    expect(response.body.code).toBe('HOLD_RELEASED');
  });

  it('should answer 404 HOLD_NOT_FOUND for an unknown hold in the body', async () => {
    const response = await t.http.post('/api/orders').send({ hold_id: 987654 }).expect(404);
    expect(response.body.code).toBe('HOLD_NOT_FOUND');
  });

  it('should answer 404 ORDER_NOT_FOUND for an unknown order', async () => {
    const response = await t.http.get('/api/orders/987654').expect(404);
    expect(response.body.code).toBe('ORDER_NOT_FOUND');
  });

  it.each([
    [{}],
    [{ hold_id: '1' }],
    [{ hold_id: 1.5 }],
    [{ hold_id: null }],
    [{ hold_id: -1 }],
    [{ hold_id: [1] }],
  ])('should answer 422 VALIDATION_FAILED for %j', async (body) => {
    const response = await t.http.post('/api/orders').send(body).expect(422);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors.hold_id).toEqual(expect.arrayContaining([expect.any(String)]));
  });
});

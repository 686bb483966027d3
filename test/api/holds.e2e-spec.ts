import { Hold } from '../../src/holds/hold.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { insertHold } from '../factories/hold.factory';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Holds API (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should reserve stock and answer 201 in the original shape', async () => {
    const product = await createProduct(t.dataSource, { availableStock: 100, totalStock: 200 });
    const before = Date.now();

    const response = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 5 })
      .expect(201);

    expect(response.body).toEqual({
      status: 'success',
      data: {
        hold_id: expect.any(Number),
        product_id: product.id,
        quantity: 5,
        customer_id: null,
        status: 'active',
        hold_expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });
    const expiresAt = Date.parse(response.body.data.hold_expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 120_000 - 5);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(95);
  });

  it('should show a hold with its status and timestamps', async () => {
    const product = await createProduct(t.dataSource);
    const created = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);

    const response = await t.http.get(`/api/holds/${created.body.data.hold_id}`).expect(200);

    expect(response.body.data).toEqual({
      id: created.body.data.hold_id,
      product_id: product.id,
      quantity: 2,
      customer_id: null,
      status: 'active',
      hold_expires_at: created.body.data.hold_expires_at,
      released_at: null,
      used_at: null,
      created_at: expect.any(String),
    });
  });

  it('should report a hold as expired once the clock passes hold_expires_at, before any release', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 3,
      holdExpiresAt: new Date(Date.now() - 1000),
    });

    const response = await t.http.get(`/api/holds/${hold.id}`).expect(200);

    expect(response.body.data).toMatchObject({ status: 'expired', released_at: null, used_at: null });
  });

  it('should list holds newest first with pagination meta', async () => {
    const response = await t.http.get('/api/holds?per_page=2').expect(200);

    expect(response.body.meta).toEqual({
      page: 1,
      per_page: 2,
      total: await t.dataSource.getRepository(Hold).count(),
    });
    expect(response.body.data).toHaveLength(2);
    expect(response.body.data[0].id).toBeGreaterThan(response.body.data[1].id);
  });

  it('should answer 409 INSUFFICIENT_STOCK saying how many remain, and take nothing', async () => {
    const product = await createProduct(t.dataSource, { availableStock: 3, totalStock: 3 });

    const response = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 4 })
      .expect(409);

    expect(response.body.code).toBe('INSUFFICIENT_STOCK');
    expect(response.body.message).toMatch(/^Insufficient stock/);
    expect(response.body.message).toContain('only 3 available');
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(3);
  });

  it('should answer 404 PRODUCT_NOT_FOUND for an unknown product in the body', async () => {
    const response = await t.http.post('/api/holds').send({ product_id: 987654, quantity: 1 }).expect(404);
    expect(response.body).toEqual({
      status: 'error',
      code: 'PRODUCT_NOT_FOUND',
      message: 'Product 987654 not found',
    });
  });

  it('should answer 404 HOLD_NOT_FOUND for an unknown hold', async () => {
    const response = await t.http.get('/api/holds/987654').expect(404);
    expect(response.body.code).toBe('HOLD_NOT_FOUND');
  });

  describe('validation', () => {
    const cases: Array<[string, unknown, string]> = [
      ['missing quantity', { product_id: 1 }, 'quantity'],
      ['missing product_id', { quantity: 1 }, 'product_id'],
      ['quantity as a string', { product_id: 1, quantity: '5' }, 'quantity'],
      ['fractional quantity', { product_id: 1, quantity: 1.5 }, 'quantity'],
      ['null quantity', { product_id: 1, quantity: null }, 'quantity'],
      ['array quantity', { product_id: 1, quantity: [5] }, 'quantity'],
      ['object quantity', { product_id: 1, quantity: { n: 5 } }, 'quantity'],
      ['zero quantity', { product_id: 1, quantity: 0 }, 'quantity'],
      ['negative quantity', { product_id: 1, quantity: -3 }, 'quantity'],
      ['quantity above MAX_HOLD_QUANTITY', { product_id: 1, quantity: 101 }, 'quantity'],
      ['product_id as a string', { product_id: '1', quantity: 1 }, 'product_id'],
      ['product_id zero', { product_id: 0, quantity: 1 }, 'product_id'],
      ['an array body', [{ product_id: 1, quantity: 1 }], 'body'],
    ];

    it.each(cases)(
      'should answer 422 VALIDATION_FAILED for %s and change nothing',
      async (_name, body, field) => {
        const product = await createProduct(t.dataSource, { availableStock: 50, totalStock: 50 });
        const payload = Array.isArray(body) ? body : { ...(body as object) };
        if (!Array.isArray(payload) && 'product_id' in payload && payload.product_id === 1) {
          payload.product_id = product.id;
        }

        const response = await t.http
          .post('/api/holds')
          .send(payload as object)
          .expect(422);

        expect(response.body).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
        expect(response.body.errors[field]).toEqual(expect.arrayContaining([expect.any(String)]));
        expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(50);
      },
    );
  });
});

import { createProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';

describe('Products API (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should return a product in the original JSON shape', async () => {
    const product = await createProduct(t.dataSource, {
      name: 'Widget',
      totalStock: 200,
      availableStock: 100,
      price: '99.99',
    });

    const response = await t.http.get(`/api/products/${product.id}`).expect(200);

    expect(response.body).toEqual({
      status: 'success',
      data: {
        id: product.id,
        name: 'Widget',
        total_stock: 200,
        available_stock: 100,
        price: '99.99',
        sale_starts_at: null,
        sale_ends_at: null,
        max_per_customer: null,
        queue_enabled: false,
        queue_admit_per_minute: 600,
        queue_admission_seconds: 300,
      },
    });
  });

  it('should answer 404 PRODUCT_NOT_FOUND for an unknown id', async () => {
    const response = await t.http.get('/api/products/999999').expect(404);
    expect(response.body).toEqual({
      status: 'error',
      code: 'PRODUCT_NOT_FOUND',
      message: 'Product 999999 not found',
    });
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '99999999999999999999'])(
    'should answer 400 INVALID_ID for /api/products/%s',
    async (id) => {
      const response = await t.http.get(`/api/products/${id}`).expect(400);
      expect(response.body).toMatchObject({ status: 'error', code: 'INVALID_ID' });
    },
  );

  it('should paginate the product list with meta', async () => {
    await createProduct(t.dataSource, { name: 'Second' });
    await createProduct(t.dataSource, { name: 'Third' });

    const response = await t.http.get('/api/products?page=2&per_page=2').expect(200);

    expect(response.body.meta).toEqual({ page: 2, per_page: 2, total: 3 });
    expect(response.body.data).toHaveLength(1);
    expect(response.body.data[0].name).toBe('Third');
  });

  it('should default to 50 per page', async () => {
    const response = await t.http.get('/api/products').expect(200);
    expect(response.body.meta).toEqual({ page: 1, per_page: 50, total: 3 });
  });

  it.each(['per_page=201', 'per_page=0', 'page=0', 'page=abc', 'per_page=1.5'])(
    'should refuse ?%s with 422',
    async (query) => {
      const response = await t.http.get(`/api/products?${query}`).expect(422);
      expect(response.body).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
      expect(Object.keys(response.body.errors).length).toBeGreaterThan(0);
    },
  );

  it('should answer 404 ROUTE_NOT_FOUND with the envelope for an unknown route', async () => {
    const response = await t.http.get('/api/nope').expect(404);
    expect(response.body).toMatchObject({ status: 'error', code: 'ROUTE_NOT_FOUND' });
  });
});

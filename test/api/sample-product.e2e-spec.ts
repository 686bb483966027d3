import { createTestApp, TestApp } from '../utils/test-app';

/** A fresh install (`npm start`, SEED_ON_START default true) serves the sample product of the README's tour. */
describe('Sample product on a fresh database (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ SEED_ON_START: 'true' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should seed the sample product, live and on sale', async () => {
    const response = await t.http.get('/api/products/1').expect(200);
    expect(response.body.data).toMatchObject({
      id: 1,
      name: 'Limited Edition Flash Sale Item',
      total_stock: 100,
      available_stock: 100,
      price: '99.99',
    });
  });
});

import { QUEUE_REDIS } from '../../src/expiry/scheduling/hold-expiry-queue.module';
import { PRODUCT_CACHE_STORE, ProductCacheStore } from '../../src/products/cache/product-cache.store';
import { createProduct } from '../factories/product.factory';
import { betweenUnits } from '../utils/embedded';
import { createTestApp, TestApp } from '../utils/test-app';

/** What makes embedded mode what it is: a SQLite file held by one process, and no Redis at all. */
describe('Embedded mode (embedded e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer /health ok, with Redis reported as not configured', async () => {
    const response = await t.http.get('/health').expect(200);

    expect(response.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'not_configured' } },
      error: {},
    });
    expect(response.body.info.redis.message).toMatch(/REDIS_HOST is not set/);
  });

  it('should have no Redis connection at all, and cache product reads in memory with the same interceptor', async () => {
    expect(() => t.app.get(QUEUE_REDIS, { strict: false })).toThrow();
    expect(t.app.get<ProductCacheStore>(PRODUCT_CACHE_STORE, { strict: false }).kind).toBe('memory');
    const product = await betweenUnits(t, (dataSource) =>
      createProduct(dataSource, { availableStock: 30, totalStock: 30 }),
    );

    const first = await t.http.get(`/api/products/${product.id}`).expect(200);
    const second = await t.http.get(`/api/products/${product.id}`).expect(200);
    await t.http.post('/api/holds').send({ product_id: product.id, quantity: 4 }).expect(201);
    const afterHold = await t.http.get(`/api/products/${product.id}`).expect(200);

    expect([first.headers['x-cache'], second.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(second.body).toEqual(first.body);
    expect(afterHold.body.data.available_stock).toBe(26);
  });

  it('should keep its SQLite file in WAL mode and locked for this process alone', async () => {
    const [[journal], [locking]] = await betweenUnits(t, (dataSource) =>
      Promise.all([dataSource.query('PRAGMA journal_mode'), dataSource.query('PRAGMA locking_mode')]),
    );

    expect(journal).toEqual({ journal_mode: 'wal' });
    expect(locking).toEqual({ locking_mode: 'exclusive' });
  });

  it('should refuse a second app on the same SQLite file, saying why and what to do instead', async () => {
    await expect(createTestApp({ DB_DATABASE: t.databaseName })).rejects.toThrow(
      /in use by another process[\s\S]*runs as one process[\s\S]*DB_TYPE=mysql with REDIS_HOST/,
    );
    // The first one is unaffected.
    await t.http.get('/api/products?per_page=1').expect(200);
  });
});

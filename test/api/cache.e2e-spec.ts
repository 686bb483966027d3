import { CACHE_MANAGER, Cache } from '@nestjs/cache-manager';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import Redis from 'ioredis';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { ProductCache, productCacheKeys } from '../../src/products/cache/product-cache';
import { PRODUCT_CACHE_STORE, ProductCacheStore } from '../../src/products/cache/product-cache.store';
import { ProductsService } from '../../src/products/products.service';
import { insertHold } from '../factories/hold.factory';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

/** The product read cache on the shared Redis: what it serves, and that it is never stale. */
describe('Product cache (e2e)', () => {
  let t: TestApp;
  let cache: Cache;

  beforeAll(async () => {
    t = await createTestApp();
    cache = t.app.get<Cache>(CACHE_MANAGER, { strict: false });
  });

  afterAll(async () => {
    await t.close();
  });

  const read = (id: number) => t.http.get(`/api/products/${id}`).expect(200);

  /** Every key in the cache store: Redis (the suite's own prefix), or the embedded memory map. */
  async function cacheKeys(): Promise<string[]> {
    const store = t.app.get<ProductCacheStore>(PRODUCT_CACHE_STORE, { strict: false });
    if (store.kind === 'memory') {
      return [...(store.stores[0].opts.store as Map<string, unknown>).keys()].sort();
    }
    const redis = new Redis({
      host: process.env.REDIS_HOST || '127.0.0.1',
      port: Number(process.env.REDIS_PORT || 6379),
    });
    try {
      return (await redis.keys(`${t.databaseName}:cache*`)).sort();
    } finally {
      redis.disconnect();
    }
  }

  /** Reads until the answer comes from the cache, so the next assertion is about invalidation. */
  async function warm(id: number): Promise<number> {
    await read(id);
    const cached = await read(id);
    expect(cached.headers['x-cache']).toBe('HIT');
    return cached.body.data.available_stock as number;
  }

  it('should serve a repeated read from the cache with the same body', async () => {
    const product = await createProduct(t.dataSource, {
      name: 'Cached',
      totalStock: 50,
      availableStock: 40,
      price: '5.00',
    });

    const first = await read(product.id);
    const second = await read(product.id);

    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(second.body.data).toEqual({
      id: product.id,
      name: 'Cached',
      total_stock: 50,
      available_stock: 40,
      price: '5.00',
      sale_starts_at: null,
      sale_ends_at: null,
      max_per_customer: null,
      queue_enabled: false,
      queue_admit_per_minute: 600,
      queue_admission_seconds: 300,
    });
  });

  it('should show a hold, a payment cancellation and an expiry release to the very next read', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
    expect(await warm(product.id)).toBe(100);

    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 7 }).expect(201);
    expect((await read(product.id)).body.data.available_stock).toBe(93);

    expect(await warm(product.id)).toBe(93);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    await sendWebhook(t.http, {
      event_id: 'evt_cache_failed',
      order_id: order.body.data.id,
      status: 'failed',
    }).expect(200);
    expect((await read(product.id)).body.data.available_stock).toBe(100);

    // A hold about to expire, written past the services (so invalidated by hand here).
    const expiring = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 4,
      holdExpiresAt: new Date(Date.now() + 300),
    });
    await t.app.get(ProductCache).invalidate(product.id);
    expect(await warm(product.id)).toBe(96);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Whoever releases it (this call, or a sweeper run), the release invalidates after commit.
    await t.app.get(HoldReleasesService).release([expiring.id], 'job');
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(100);
    expect((await read(product.id)).body.data.available_stock).toBe(100);
  });

  it('should never let a slow reader put back an answer read before a hold that has since answered', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
    const products = t.app.get(ProductsService);
    const findOne = products.findOne.bind(products);
    let readTheDatabase!: () => void;
    let release!: () => void;
    let staleStored!: () => void;
    const databaseRead = new Promise<void>((resolve) => (readTheDatabase = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const staleWritten = new Promise<void>((resolve) => (staleStored = resolve));
    // The slow reader: it reads the database, then stalls before its answer is cached.
    jest.spyOn(products, 'findOne').mockImplementationOnce(async (id: number) => {
      const stale = await findOne(id);
      readTheDatabase();
      await gate;
      return stale;
    });
    // Tells when the slow reader's old answer has been written to the cache.
    const set = cache.set.bind(cache);
    const setSpy = jest.spyOn(cache, 'set').mockImplementation(async (key, value, ttl) => {
      const stored = await set(key, value, ttl);
      const answer = (value as { body?: { data?: { available_stock?: number } } })?.body;
      if (answer?.data?.available_stock === 100) staleStored();
      return stored;
    });

    // A generation exists (the product was read and invalidated before), so the slow reader stores its answer.
    await t.app.get(ProductCache).invalidate(product.id);
    try {
      const slowRead = t.http.get(`/api/products/${product.id}`).then((response) => response);
      await databaseRead;
      await t.http.post('/api/holds').send({ product_id: product.id, quantity: 5 }).expect(201);
      release();
      expect((await slowRead).body.data.available_stock).toBe(100);
      await expect(withTimeout(staleWritten, 2_000)).resolves.toBe('done');

      // A read that starts after the hold answered shows it, although the old answer is in the cache.
      expect((await read(product.id)).body.data.available_stock).toBe(95);
      expect(await warm(product.id)).toBe(95);
    } finally {
      release();
      setSpy.mockRestore();
    }
  });

  it('should agree with the database under a burst of holds and reads, and never show stock older than an answered hold', async () => {
    const initial = 1_000;
    const product = await createProduct(t.dataSource, { totalStock: initial, availableStock: initial });
    const answered: { at: number; quantity: number }[] = [];
    const reads: { startedAt: number; available: number; cache: string }[] = [];

    const hold = async (quantity: number) => {
      await t.http.post('/api/holds').send({ product_id: product.id, quantity }).expect(201);
      answered.push({ at: performance.now(), quantity });
    };
    const readOnce = async () => {
      const startedAt = performance.now();
      const response = await read(product.id);
      reads.push({
        startedAt,
        available: response.body.data.available_stock,
        cache: response.headers['x-cache'],
      });
    };
    await Promise.all(
      Array.from({ length: 240 }, (_, index) => (index % 4 === 0 ? hold((index % 5) + 1) : readOnce())),
    );

    const { availableStock } = await reloadProduct(t.dataSource, product.id);
    expect(availableStock).toBe(initial - answered.reduce((sum, h) => sum + h.quantity, 0));
    for (const r of reads) {
      // Every hold that had answered before this read began must show in it.
      const takenBefore = answered.filter((h) => h.at < r.startedAt).reduce((sum, h) => sum + h.quantity, 0);
      expect(r.available).toBeLessThanOrEqual(initial - takenBefore);
      expect(r.available).toBeGreaterThanOrEqual(availableStock);
    }
    expect(reads.some((r) => r.cache === 'HIT')).toBe(true);

    // Within 1 s of the burst's end (in fact at once), every read agrees with the database.
    const deadline = Date.now() + 1_000;
    const after: number[] = [];
    while (Date.now() < deadline) after.push((await read(product.id)).body.data.available_stock);
    expect(new Set(after)).toEqual(new Set([availableStock]));
  });

  it('should cache only the product read: not the list, holds or orders, and not a 404', async () => {
    const product = await createProduct(t.dataSource);
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);

    for (const path of [
      '/api/products',
      `/api/holds/${hold.body.data.hold_id}`,
      '/api/holds',
      '/api/orders',
    ]) {
      await t.http.get(path).expect(200);
      const again = await t.http.get(path).expect(200);
      expect(again.headers['x-cache']).toBeUndefined();
    }

    const missingId = product.id + 1_000;
    await t.http.get(`/api/products/${missingId}`).expect(404);
    await createProduct(t.dataSource, { id: missingId, name: 'Late' });
    expect((await read(missingId)).body.data.name).toBe('Late');
  });

  it('should write nothing to the cache store for 300 reads of missing products', async () => {
    const before = await cacheKeys();
    const missing = Array.from({ length: 300 }, (_, index) => 1_000_000 + index);

    for (let i = 0; i < missing.length; i += 30) {
      await Promise.all(missing.slice(i, i + 30).map((id) => t.http.get(`/api/products/${id}`).expect(404)));
    }

    expect(await cacheKeys()).toEqual(before);
  });

  it('should start a new generation on every invalidation', async () => {
    const productCache = t.app.get(ProductCache);
    const generationOf = (productId: number) =>
      t.app
        .get<Cache>(CACHE_MANAGER)
        .get<string>(productCacheKeys.generation(t.app.get(DatabaseIdentity).id, productId));
    const product = await createProduct(t.dataSource);
    await read(product.id);

    const before = await generationOf(product.id);
    expect(await generationOf(product.id)).toBe(before);
    await productCache.invalidate(product.id);
    const after = await generationOf(product.id);

    expect(before).toEqual(expect.any(String));
    expect(after).toEqual(expect.any(String));
    expect(after).not.toBe(before);
  });
});

function withTimeout(promise: Promise<void>, ms: number): Promise<'done' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), ms)));
  return Promise.race([promise.then(() => 'done' as const), timeout]).finally(() => clearTimeout(timer));
}

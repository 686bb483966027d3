import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { AllConfig } from '../../src/config/config.types';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { ProductCache, productCacheKeys } from '../../src/products/cache/product-cache';
import { createIoRedisClient, IoRedisClient } from '../../src/redis/ioredis-client';
import {
  createProductCacheStore,
  PRODUCT_CACHE_STORE,
  productCacheNamespace,
} from '../../src/products/cache/product-cache.store';
import { createProduct } from '../factories/product.factory';
import { pollUntil } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';
import { TcpProxy } from '../utils/tcp-proxy';
import { createTestApp, TestApp } from '../utils/test-app';
import { dropDatabase } from '../utils/test-env';

const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);

/**
 * An invalidation that could not reach Redis gets one last, bounded try at shutdown. The
 * product cache reaches the suite's Redis through a TCP proxy, on a connection of its own
 * (the queue and everything else directly, so only the cache loses Redis), so the test can take Redis away from the cache alone and bring it back while
 * the app closes, once its retry timer is gone: only the last try can write the generation.
 */
describe('Product cache invalidations owed at shutdown (e2e)', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let redis: Redis;
  let cacheClient: IoRedisClient;
  let closed: Promise<void> | undefined;
  const logged: Array<Record<string, unknown>> = [];

  beforeEach(async () => {
    proxy = new TcpProxy('127.0.0.1', REDIS_PORT);
    await proxy.start();
    t = await createTestApp(
      {},
      {
        customize: (builder) =>
          builder.overrideProvider(PRODUCT_CACHE_STORE).useFactory({
            inject: [ConfigService],
            factory: (config: ConfigService<AllConfig, true>) => {
              const settings = config.getOrThrow('redis', { infer: true });
              // The app's own connection settings, through the proxy.
              cacheClient = createIoRedisClient(
                { ...settings, port: proxy.port },
                { maxRetriesPerRequest: null, maxReconnectDelayMs: 1_000 },
              );
              cacheClient.on('error', () => undefined);
              return createProductCacheStore(cacheClient, settings.prefix);
            },
          }),
      },
    );
    redis = new Redis({ port: REDIS_PORT, host: '127.0.0.1' });
    logged.length = 0;
    for (const level of ['log', 'warn'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((fields: unknown, ..._rest: unknown[]) => {
        if (typeof fields === 'object' && fields !== null) logged.push(fields as Record<string, unknown>);
      });
    }
  });

  /** Closes the app once, whether the test got that far or not. */
  const closeApp = () => (closed ??= t.app.close());

  afterEach(async () => {
    jest.restoreAllMocks();
    await closeApp();
    closed = undefined;
    cacheClient.disconnect();
    redis.disconnect();
    await proxy.stop();
    await deleteRedisKeys(REDIS_PORT, `${t.databaseName}:*`);
    await dropDatabase(t.databaseName);
  });

  /** The product's cache keys as stored in Redis: the current generation and the cached entry's. */
  async function cacheState(productId: number, databaseId: string) {
    const key = (name: string) => `${productCacheNamespace(t.databaseName)}::${name}`;
    const [generation, entry] = await redis.mget(
      key(productCacheKeys.generation(databaseId, productId)),
      key(productCacheKeys.entry(databaseId, productId)),
    );
    return {
      generation: generation && (JSON.parse(generation) as { value: string }).value,
      entryGeneration: entry && (JSON.parse(entry) as { value: { generation: string } }).value.generation,
    };
  }

  /** A cached read, then a hold while the cache cannot reach Redis: its invalidation is owed. */
  async function staleEntryOwedAnInvalidation(): Promise<{ productId: number; databaseId: string }> {
    const productId = (await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 })).id;
    const databaseId = t.app.get(DatabaseIdentity).id;
    // The cache's connection is opened in the background at start: read until it serves.
    const hit = await pollUntil(async () => {
      const read = await t.http.get(`/api/products/${productId}`).expect(200);
      return read.headers['x-cache'] === 'HIT' ? true : undefined;
    }, Date.now() + 5_000);
    expect(hit).toBe(true);

    await proxy.stop();
    await t.http.post('/api/holds').send({ product_id: productId, quantity: 2 }).expect(201);

    expect(logged).toContainEqual({ event: 'cache.invalidation_deferred', product_id: productId });
    // Still in Redis and still current: any process reading through Redis would answer 10.
    const stale = await cacheState(productId, databaseId);
    expect(stale.entryGeneration).toBe(stale.generation);
    return { productId, databaseId };
  }

  it('should write the owed invalidation when Redis is back as the app closes', async () => {
    const { productId, databaseId } = await staleEntryOwedAnInvalidation();
    const close = ProductCache.prototype.onModuleDestroy;
    // Redis comes back once shutdown reaches the cache, after its retry timer is cleared.
    jest.spyOn(ProductCache.prototype, 'onModuleDestroy').mockImplementation(async function (
      this: ProductCache,
    ) {
      await proxy.start();
      return close.call(this);
    });

    await closeApp();

    const after = await cacheState(productId, databaseId);
    expect(after.generation).not.toBeNull();
    expect(after.entryGeneration).not.toBe(after.generation);
    expect(logged).toContainEqual({ event: 'cache.invalidation_recovered', product_id: productId });
    expect(logged).not.toContainEqual(expect.objectContaining({ event: 'cache.invalidations_dropped' }));
  });

  it('should log the invalidations it drops when Redis stays away, and still close', async () => {
    const { productId } = await staleEntryOwedAnInvalidation();

    await closeApp();

    expect(logged).toContainEqual({ event: 'cache.invalidations_dropped', product_ids: [productId] });
  });
});

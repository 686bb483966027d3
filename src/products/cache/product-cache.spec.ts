import type { Cache } from '@nestjs/cache-manager';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { DatabaseIdentity } from '../../database/database-identity';
import { ProductCache } from './product-cache';
import { CACHE_COMMAND_TIMEOUT_MS, createProductCacheStore, ProductCacheStore } from './product-cache.store';

/** A store that can be switched to fail, or to hang, like a Redis going away. */
class FlakyStore {
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  private readonly data = new Map<string, unknown>();

  get = (key: string) => this.run(() => this.data.get(key));
  set = (key: string, value: unknown) => this.run(() => void this.data.set(key, value));
  delete = (key: string) => this.run(() => this.data.delete(key));
  clear = () => this.run(() => this.data.clear());

  private run<T>(action: () => T): Promise<T> {
    if (this.mode === 'fail') return Promise.reject(new Error('connection refused'));
    if (this.mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve(action());
  }
}

function setup({ ttlSeconds = 60, ready = (): boolean => true } = {}) {
  const flaky = new FlakyStore();
  const keyv = new Keyv({ store: flaky, throwOnErrors: true });
  const store: ProductCacheStore = {
    kind: 'redis',
    stores: [keyv],
    isReady: ready,
    ping: () => keyv.get('ping').then(() => undefined),
    setIfAbsent: async (key, value, ttlMs) => {
      if ((await keyv.get(key)) !== undefined) return false;
      await keyv.set(key, value, ttlMs);
      return true;
    },
  };
  const cache = createCache({ stores: [keyv] }) as unknown as Cache;
  const config = { getOrThrow: () => ttlSeconds } as unknown as ConfigService;
  const sut = new ProductCache(cache, store, new DatabaseIdentity('db1'), config as never);
  return { sut, flaky };
}

/** Whether `promise` has settled by now (after the microtasks already queued have run). */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve(pending)])) !== pending;
}

type Miss = { kind: 'miss'; generation: string; claim: boolean };

describe(ProductCache.name, () => {
  let sut: ProductCache;

  beforeAll(() => Logger.overrideLogger(false));

  // The retry interval, the command timeout and the skip window all run on this clock.
  beforeEach(() => jest.useFakeTimers());

  afterEach(async () => {
    jest.useRealTimers();
    await sut?.onModuleDestroy();
  });

  it('should hit under the current generation and miss once an invalidation replaced it', async () => {
    ({ sut } = setup());

    const first = await sut.read(1);
    expect(first).toEqual({ kind: 'miss', generation: expect.any(String), claim: true });
    await sut.write(1, first as Miss, { stock: 5 });
    expect(await sut.read(1)).toEqual({ kind: 'hit', body: { stock: 5 } });
    expect(await sut.read(2)).toMatchObject({ kind: 'miss' });

    await sut.invalidate(1);

    const after = await sut.read(1);
    expect(after).toMatchObject({ kind: 'miss' });
    expect((after as { generation: string }).generation).not.toBe(
      (first as { generation: string }).generation,
    );
  });

  it('should never serve an answer a slow reader stored under a generation replaced since', async () => {
    ({ sut } = setup());
    await sut.write(1, (await sut.read(1)) as Miss, { stock: 'first' });
    await sut.invalidate(1);
    const slowReader = (await sut.read(1)) as Miss;
    expect(slowReader.claim).toBe(false);

    await sut.invalidate(1);
    await sut.write(1, slowReader, { stock: 'old' });

    expect(await sut.read(1)).toMatchObject({ kind: 'miss', claim: false });
  });

  it('should not cache the answer of a reader that found no generation when an invalidation came first', async () => {
    ({ sut } = setup());
    const slowReader = (await sut.read(1)) as Miss;
    expect(slowReader.claim).toBe(true);

    await sut.invalidate(1);
    await sut.write(1, slowReader, { stock: 'old' });

    expect(await sut.read(1)).toMatchObject({ kind: 'miss', claim: false });
  });

  it('should write nothing for a read that is never answered (a 404)', async () => {
    let flaky: FlakyStore;
    ({ sut, flaky } = setup());
    const keys = (flaky as unknown as { data: Map<string, unknown> }).data;

    expect(await sut.read(404)).toMatchObject({ kind: 'miss', claim: true });

    expect(keys.size).toBe(0);
  });

  it('should bypass the cache while the store is not connected', async () => {
    ({ sut } = setup({ ready: () => false }));
    expect(await sut.read(1)).toEqual({ kind: 'bypass' });
  });

  it('should never use the cache when PRODUCT_CACHE_TTL_SECONDS is 0', async () => {
    ({ sut } = setup({ ttlSeconds: 0 }));
    expect(await sut.read(1)).toEqual({ kind: 'bypass' });
    await expect(sut.invalidate(1)).resolves.toBeUndefined();
  });

  it('should bypass a product whose invalidation failed until a retry lands, then cache it again', async () => {
    let flaky: FlakyStore;
    ({ sut, flaky } = setup());
    const before = (await sut.read(1)) as { generation: string };

    flaky.mode = 'fail';
    await expect(sut.invalidate(1)).resolves.toBeUndefined();
    flaky.mode = 'ok';
    // The old generation may still be in the store: this product must not be read from it.
    expect(await sut.read(1)).toEqual({ kind: 'bypass' });

    // Not before the retry's second is up...
    await jest.advanceTimersByTimeAsync(999);
    expect(await sut.read(1)).toEqual({ kind: 'bypass' });
    // ...then the retry writes the new generation.
    await jest.advanceTimersByTimeAsync(1);
    const after = await sut.read(1);
    expect(after).toMatchObject({ kind: 'miss' });
    expect((after as { generation: string }).generation).not.toBe(before.generation);
  });

  it('should give up on a hung store within its timeout, then skip the cache for a moment', async () => {
    let flaky: FlakyStore;
    ({ sut, flaky } = setup());
    flaky.mode = 'hang';

    const hung = sut.read(1);
    await jest.advanceTimersByTimeAsync(CACHE_COMMAND_TIMEOUT_MS);
    expect(await isSettled(hung)).toBe(false);
    await jest.advanceTimersByTimeAsync(50);
    expect(await isSettled(hung)).toBe(true);
    expect(await hung).toEqual({ kind: 'bypass' });

    // Redis answers again, but for a second reads do not even try it...
    flaky.mode = 'ok';
    expect(await sut.read(1)).toEqual({ kind: 'bypass' });
    await jest.advanceTimersByTimeAsync(999);
    expect(await sut.read(1)).toEqual({ kind: 'bypass' });
    // ...then they use it again.
    await jest.advanceTimersByTimeAsync(1);
    expect(await sut.read(1)).toMatchObject({ kind: 'miss' });
  });

  it('should report whether the store answers', async () => {
    let flaky: FlakyStore;
    ({ sut, flaky } = setup());
    expect(await sut.ping()).toEqual({ store: 'redis', up: true });
    flaky.mode = 'fail';
    expect(await sut.ping()).toEqual({ store: 'redis', up: false });
  });
});

describe(createProductCacheStore.name, () => {
  it('should keep the cache in memory when no Redis is configured (no connection)', async () => {
    const store = createProductCacheStore(null, 'p');
    expect(store.kind).toBe('memory');
    expect(store.isReady()).toBe(true);
    await store.stores[0].set('k', 'v');
    expect(await store.stores[0].get('k')).toBe('v');
  });

  it('should give every memory hit the answer as written, whatever an earlier reader did to its copy', async () => {
    const store = createProductCacheStore(null, 'p');
    const cache = createCache({ stores: store.stores }) as unknown as Cache;
    const config = { getOrThrow: () => 60 } as unknown as ConfigService;
    const memory = new ProductCache(cache, store, new DatabaseIdentity('db1'), config as never);
    const first = (await memory.read(1)) as Miss;
    await memory.write(1, first, { data: { id: 1, available_stock: 7, tags: ['a'] } });

    const hit = await memory.read(1);
    const body = (hit as { body: { data: { available_stock: number; tags: string[] } } }).body;
    // The memory store hands out the stored object itself (no JSON copy per read): it is frozen.
    expect(() => (body.data.available_stock = 0)).toThrow(TypeError);
    expect(() => body.data.tags.push('b')).toThrow(TypeError);
    expect(await memory.read(1)).toEqual({
      kind: 'hit',
      body: { data: { id: 1, available_stock: 7, tags: ['a'] } },
    });
  });

  it('should let a memory claim of a generation succeed once, and again only after it expired', async () => {
    const store = createProductCacheStore(null, 'p');
    expect(await store.setIfAbsent('gen', 'g1', 60_000)).toBe(true);
    expect(await store.setIfAbsent('gen', 'g2', 60_000)).toBe(false);
    expect(await store.stores[0].get('gen')).toBe('g1');
    expect(await store.setIfAbsent('short', 's1', -1)).toBe(true);
    expect(await store.setIfAbsent('short', 's2', 60_000)).toBe(true);
    expect(await store.stores[0].get('short')).toBe('s2');
  });
});

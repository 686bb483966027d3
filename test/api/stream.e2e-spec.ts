import { ProductStreamHub } from '../../src/stream/product-stream.hub';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { betweenUnits } from '../utils/embedded';
import { countProductQueries } from '../utils/query-counter';
import { head, idsIncrease, openClients, SseClient } from '../utils/sse-client';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const INTERVAL_MS = 250;
const ADMIN_TOKEN = 'stream-spec-admin-token-0123456789abcdef';

/** GET /api/products/:id/stream: live stock over Server-Sent Events, in one process (both modes). */
describe('Live stock streams (e2e)', () => {
  let t: TestApp;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    // Every test client comes from 127.0.0.1: the per-client limit has its own suite below.
    t = await createTestApp({ ADMIN_API_TOKEN: ADMIN_TOKEN, STREAM_MAX_PER_CLIENT: '1000' });
  });

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await t.close();
  });

  function streamUrl(productId: number | string): string {
    return `${t.url}/api/products/${productId}/stream`;
  }

  function open(url: string, headers?: Record<string, string>): SseClient {
    const client = new SseClient(url, headers);
    clients.push(client);
    return client;
  }

  async function availableNow(productId: number): Promise<number> {
    return betweenUnits(t, async (dataSource) => (await reloadProduct(dataSource, productId)).availableStock);
  }

  async function metric(name: string): Promise<number> {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const line = text.split('\n').find((row) => row.startsWith(`${name} `));
    return Number(line?.split(' ')[1] ?? NaN);
  }

  it('should start with retry, the SSE headers and the product as GET /api/products/:id shows it', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 40, availableStock: 30, price: '12.50' });
    const client = open(streamUrl(product.id));
    await client.waitFor((c) => c.events.length === 1, 5_000, 'the first event');

    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['content-encoding']).toBeUndefined();
    expect(client.headers['x-request-id']).toBeDefined();
    // The default 2 to 5 s, drawn per stream so that the clients of a process that stops spread out.
    expect(client.retry).toBeGreaterThanOrEqual(2_000);
    expect(client.retry).toBeLessThanOrEqual(5_000);
    const read = await t.http.get(`/api/products/${product.id}`).expect(200);
    expect(client.events[0]).toMatchObject({ event: 'stock', data: read.body.data });
    expect(client.events[0].id).toBeGreaterThan(0);
  });

  it('should answer HEAD at once with the stream headers, holding no slot and reading nothing', async () => {
    const product = await createProduct(t.dataSource);
    const reads = countProductQueries(t.dataSource, product.id);
    try {
      for (const url of [streamUrl(product.id), `${t.url}/api/products/stream?ids=${product.id}`]) {
        const answer = await head(url);
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(answer.headers['cache-control']).toBe('no-cache');
        expect(t.app.get(ProductStreamHub).size).toBe(0);
      }
      expect(reads.count).toBe(0);
      expect((await head(streamUrl('abc'))).status).toBe(400);
    } finally {
      reads.stop();
    }
  });

  it('should refuse an unknown product with 404 and a bad id with 400 before any stream starts', async () => {
    const unknown = open(streamUrl(987_654));
    const bad = open(streamUrl('abc'));
    const badList = open(`${t.url}/api/products/stream?ids=1,zero`);
    await Promise.all([unknown.closed, bad.closed, badList.closed]);

    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ status: 'error', code: 'PRODUCT_NOT_FOUND' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ status: 'error', code: 'INVALID_ID' });
    expect(badList.status).toBe(422);
    expect(JSON.parse(badList.body)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: { ids: [expect.any(String)] },
    });
    expect(t.app.get(ProductStreamHub).size).toBe(0);
  });

  it('should keep 500 clients current through 200 concurrent holds, reading the product once per interval', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 500, availableStock: 500 });
    const readsBefore = await metric('flash_sale_stream_product_reads_total');
    const many = await openClients(streamUrl(product.id), 500);
    clients.push(...many);
    await Promise.all(
      many.map((client) => client.waitFor((c) => c.events.length >= 1, 10_000, 'the first event')),
    );
    expect(
      many.every((client) => client.status === 200 && client.events[0].data.available_stock === 500),
    ).toBe(true);

    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        t.http.post('/api/holds').send({ product_id: product.id, quantity: (index % 3) + 1 }),
      ),
    );
    const lastAnswerAt = Date.now();
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    const expected = await availableNow(product.id);
    expect(expected).toBe(
      500 - answers.reduce((sum, answer) => sum + (answer.body.data.quantity as number), 0),
    );

    // Waited for generously so that a miss reports what the client saw; then timed against the contract.
    await Promise.all(
      many.map((client) =>
        client.waitFor((c) => c.last?.data.available_stock === expected, 10_000, 'the final stock'),
      ),
    );
    const latest = Math.max(
      ...many.map((client) => client.events.find((e) => e.data.available_stock === expected)!.at),
    );
    expect(latest - lastAnswerAt).toBeLessThanOrEqual(1_000);

    for (const client of many) {
      expect(idsIncrease(client)).toBe(true);
      // At most one event per interval (latest wins), however many holds there were.
      const span = client.last!.at - client.events[0].at;
      expect(client.events.length).toBeLessThanOrEqual(2 + Math.ceil(span / INTERVAL_MS));
    }
    // One read per change interval for all 500 clients, never one per client.
    const reads = (await metric('flash_sale_stream_product_reads_total')) - readsBefore;
    expect(reads).toBeLessThanOrEqual(3 + Math.ceil((Date.now() - started) / INTERVAL_MS));
    // Nothing queued per client beyond one state.
    expect(t.app.get(ProductStreamHub).largestBacklog().pendingStates).toBeLessThanOrEqual(1);
  });

  it('should deliver a failed payment returning units, and end at the last change of a burst ending in 0', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 6, availableStock: 6 });
    const client = open(streamUrl(product.id));
    await client.waitFor((c) => c.events.length === 1, 5_000, 'the first event');

    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    await client.waitFor((c) => c.last?.data.available_stock === 4, 5_000, 'the hold');
    await sendWebhook(t.http, {
      event_id: `evt_stream_${product.id}`,
      order_id: order.body.data.id,
      status: 'failed',
    }).expect(200);
    await client.waitFor((c) => c.last?.data.available_stock === 6, 5_000, 'the returned units');

    await Promise.all(
      Array.from({ length: 6 }, () =>
        t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }),
      ),
    );
    await client.waitFor((c) => c.last?.data.available_stock === 0, 5_000, 'the sell-out');
  });

  it('should deliver admin changes: a restock and a new price and sale window', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10, price: '10.00' });
    const client = open(streamUrl(product.id));
    await client.waitFor((c) => c.events.length === 1, 5_000, 'the first event');
    const admin = (request: ReturnType<typeof t.http.post>) =>
      request.set('Authorization', `Bearer ${ADMIN_TOKEN}`);

    await admin(t.http.post(`/api/admin/products/${product.id}/stock`))
      .send({ delta: 5 })
      .expect(200);
    await client.waitFor(
      (c) => c.last?.data.available_stock === 15 && c.last.data.total_stock === 15,
      5_000,
      'the restock',
    );
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    await admin(t.http.patch(`/api/admin/products/${product.id}`))
      .send({ price: '8.50', sale_starts_at: startsAt })
      .expect(200);
    await client.waitFor(
      (c) => c.last?.data.price === '8.50' && c.last.data.sale_starts_at === startsAt,
      5_000,
      'the patch',
    );
  });

  it('should serve several products on one stream (the sale board) with each product first at once', async () => {
    const first = await createProduct(t.dataSource, { totalStock: 5, availableStock: 5 });
    const second = await createProduct(t.dataSource, { totalStock: 7, availableStock: 7 });
    // An id no product has yet is watched too: a multi-product stream waits for it.
    const client = open(`${t.url}/api/products/stream?ids=${first.id},987654,${second.id}`);
    await client.waitFor((c) => c.events.length === 2, 5_000, 'one event per product');
    expect(client.status).toBe(200);
    expect(client.events.map((e) => e.data.id).sort()).toEqual([first.id, second.id].sort());

    await t.http.post('/api/holds').send({ product_id: second.id, quantity: 3 }).expect(201);
    await client.waitFor(
      (c) => c.last?.data.id === second.id && c.last.data.available_stock === 4,
      5_000,
      'the hold',
    );
    expect(idsIncrease(client)).toBe(true);
  });

  it('should keep ids growing across a reconnection that sends Last-Event-ID', async () => {
    const product = await createProduct(t.dataSource);
    // An id from a process whose clock runs far ahead: the next one must still be larger.
    const client = open(streamUrl(product.id), { 'last-event-id': '999999999999990' });
    await client.waitFor((c) => c.events.length === 1, 5_000, 'the first event');
    expect(client.events[0].id).toBe(999_999_999_999_991);
  });

  it('should forget clients that disconnect: the connection gauge goes back to 0', async () => {
    const product = await createProduct(t.dataSource);
    const some = await openClients(streamUrl(product.id), 50);
    await Promise.all(
      some.map((client) => client.waitFor((c) => c.events.length === 1, 5_000, 'the first event')),
    );
    expect(await metric('flash_sale_stream_connections')).toBe(50);

    some.forEach((client) => client.close());
    const hub = t.app.get(ProductStreamHub);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (hub.size > 0) return;
        clearInterval(check);
        resolve();
      }, 20);
    });
    expect(await metric('flash_sale_stream_connections')).toBe(0);
    // A change after they left writes to nobody and fails nothing.
    await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
  });
});

describe('Live stock streams: limits and shutdown (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ STREAM_MAX_CONNECTIONS: '2', STREAM_MAX_PER_CLIENT: '1000' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should refuse an EventSource beyond STREAM_MAX_CONNECTIONS with a retry it follows, others with 503, and accept again once one left', async () => {
    const product = await createProduct(t.dataSource);
    const url = `${t.url}/api/products/${product.id}/stream`;
    const [a, b] = await openClients(url, 2);
    await Promise.all(
      [a, b].map((client) => client.waitFor((c) => c.events.length === 1, 5_000, 'the first event')),
    );

    // EventSource gives up for good on anything but a 200 event stream: it is told when to come back.
    const refused = new SseClient(url);
    await refused.closed;
    expectBusyRefusal(refused);
    const refusedJson = new SseClient(url, { accept: 'application/json' });
    await refusedJson.closed;
    expect(refusedJson.status).toBe(503);
    expect(refusedJson.headers['retry-after']).toBeDefined();
    expect(JSON.parse(refusedJson.body)).toMatchObject({ status: 'error', code: 'SERVICE_BUSY' });
    expect(t.app.get(ProductStreamHub).size).toBe(2);

    a.close();
    await a.closed;
    let again: SseClient | undefined;
    for (let attempt = 0; attempt < 50 && again?.status !== 200; attempt++) {
      again = new SseClient(url);
      await again.opened;
      if (again.status !== 200) await again.closed;
    }
    expect(again?.status).toBe(200);

    // Closing the app ends every stream (the server would otherwise wait for them forever).
    await t.close();
    await Promise.all([b.closed, again!.closed]);
    expect(b.ended && again!.ended).toBe(true);
    t = { close: () => Promise.resolve() } as unknown as TestApp;
  });
});

/** A refusal an EventSource retries: 200, the stream's type, `retry:` in 2 to 5 s, one `busy` event, the end. */
function expectBusyRefusal(client: SseClient): void {
  expect(client.status).toBe(200);
  expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(client.retry).toBeGreaterThanOrEqual(2_000);
  expect(client.retry).toBeLessThanOrEqual(5_000);
  expect(client.events).toEqual([expect.objectContaining({ event: 'busy', data: { code: 'SERVICE_BUSY' } })]);
  expect(client.ended).toBe(true);
}

describe('Live stock streams: the per-client limit (e2e)', () => {
  let t: TestApp;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    // Behind a proxy: X-Forwarded-For names the client, as it would for buyers behind a load balancer.
    // (process.env keeps an earlier suite's settings: each suite names the limits it relies on.)
    t = await createTestApp({
      STREAM_MAX_CONNECTIONS: '10000',
      STREAM_MAX_PER_CLIENT: '2',
      TRUST_PROXY: 'true',
    });
  });

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await t.close();
  });

  function openAs(address: string, url: string, accept = 'text/event-stream'): SseClient {
    const client = new SseClient(url, { 'x-forwarded-for': address, accept });
    clients.push(client);
    return client;
  }

  it('should refuse a client address past STREAM_MAX_PER_CLIENT while other clients still get streams', async () => {
    const product = await createProduct(t.dataSource);
    const url = `${t.url}/api/products/stream?ids=${product.id}`;
    const mine = [openAs('203.0.113.7', url), openAs('203.0.113.7', url)];
    await Promise.all(
      mine.map((c) => c.waitFor((client) => client.events.length === 1, 5_000, 'the first event')),
    );
    expect(mine.map((c) => c.events[0].event)).toEqual(['stock', 'stock']);

    const third = openAs('203.0.113.7', url);
    await third.closed;
    expectBusyRefusal(third);
    const thirdJson = openAs('203.0.113.7', url, 'application/json');
    await thirdJson.closed;
    expect(thirdJson.status).toBe(503);
    expect(thirdJson.headers['retry-after']).toBeDefined();
    expect(JSON.parse(thirdJson.body)).toMatchObject({ status: 'error', code: 'SERVICE_BUSY' });

    const someoneElse = openAs('198.51.100.20', url);
    await someoneElse.waitFor((c) => c.events.length === 1, 5_000, "another client's first event");
    expect(someoneElse.events[0]).toMatchObject({ event: 'stock', data: { id: product.id } });

    // A slot given back is this client's again.
    mine[0].close();
    await mine[0].closed;
    let again: SseClient | undefined;
    for (let attempt = 0; attempt < 50 && !again?.events.some((e) => e.event === 'stock'); attempt++) {
      again = openAs('203.0.113.7', url);
      await again.waitFor((c) => c.events.length > 0 || c.ended, 5_000, 'an answer');
    }
    expect(again?.last?.data.id).toBe(product.id);
    expect(t.app.get(ProductStreamHub).size).toBe(3);
  });
});

describe('Live stock streams: ids without a product (e2e)', () => {
  let t: TestApp;
  const clients: SseClient[] = [];
  const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    // A long interval makes the miss outlive the test: what is measured is reads, never time.
    t = await createTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      STREAM_MIN_INTERVAL_MS: '60000',
      STREAM_MAX_CONNECTIONS: '10000',
      STREAM_MAX_PER_CLIENT: '1000',
    });
  });

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await t.close();
  });

  function open(ids: number[]): SseClient {
    const client = new SseClient(`${t.url}/api/products/stream?ids=${ids.join(',')}`);
    clients.push(client);
    return client;
  }

  async function noStreams(): Promise<void> {
    const hub = t.app.get(ProductStreamHub);
    for (let attempt = 0; attempt < 200 && hub.size > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(hub.size).toBe(0);
  }

  it('should read an unknown id once for every stream that asks for it, and deliver the product the moment it is created', async () => {
    const known = await createProduct(t.dataSource);
    // The id the next product will get (one suite, one database, nothing else inserting).
    const next = known.id + 1;
    const reads = countProductQueries(t.dataSource, next);
    try {
      const first = open([known.id, next]);
      await first.waitFor((c) => c.events.length === 1, 5_000, 'the known product');
      expect(first.status).toBe(200);
      expect(first.last?.data.id).toBe(known.id);
      const readsForTheMiss = reads.count;
      expect(readsForTheMiss).toBeGreaterThan(0);

      // Gone and back, from other pages: a new topic each time, and still no read for the miss.
      first.close();
      await noStreams();
      for (let page = 0; page < 3; page++) {
        const again = open([next, known.id]);
        await again.waitFor((c) => c.events.length === 1, 5_000, 'the known product');
        if (page < 2) {
          again.close();
          await noStreams();
        }
      }
      const single = new SseClient(`${t.url}/api/products/${next}/stream`);
      await single.closed;
      expect(single.status).toBe(404);
      expect(reads.count).toBe(readsForTheMiss);

      const watching = clients[clients.length - 1];
      const created = await t.http
        .post('/api/admin/products')
        .set(ADMIN)
        .send({ name: 'Late arrival', price: '5.00', total_stock: 12 })
        .expect(201);
      expect(created.body.data.id).toBe(next);
      await watching.waitFor((c) => c.last?.data.id === next, 5_000, 'the new product');
      expect(watching.last?.data).toMatchObject({ id: next, name: 'Late arrival', available_stock: 12 });
      const fresh = open([next]);
      await fresh.waitFor((c) => c.events.length === 1, 5_000, 'the new product on a new stream');
      expect(fresh.last?.data.available_stock).toBe(12);
    } finally {
      reads.stop();
    }
  });
});

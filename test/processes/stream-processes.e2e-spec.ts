import type { DataSource } from 'typeorm';
import { insertHold } from '../factories/hold.factory';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { ChildRun } from '../utils/embedded';
import { pollUntil } from '../utils/poll';
import { RedisServer } from '../utils/redis-server';
import {
  ApiProcess,
  cleanUp,
  logEvents,
  openDatabase,
  outputComplete,
  postHold,
  scaleOutEnv,
  send,
  startApi,
} from '../utils/scale-out';
import { SseClient, idsIncrease, openClients } from '../utils/sse-client';
import { uniqueDatabaseName } from '../utils/test-env';
import { signatureFor } from '../utils/webhook';

/** The contract: a change made by any process reaches the streams of every process within 1 s. */
const WITHIN_MS = 1_000;

function streamUrl(api: ApiProcess, productId: number): string {
  return `${api.base}/products/${productId}/stream`;
}

async function stockOf(db: DataSource, productId: number): Promise<number> {
  return (await reloadProduct(db, productId)).availableStock;
}

/** When the first event showing `available` reached each client (they must all have it). */
async function seenAt(clients: SseClient[], available: number): Promise<number[]> {
  await Promise.all(
    clients.map((client) =>
      client.waitFor(
        (c) => c.last?.data.available_stock === available,
        15_000,
        `available_stock ${available}`,
      ),
    ),
  );
  return clients.map((client) => client.events.find((event) => event.data.available_stock === available)!.at);
}

/**
 * Live stock across real processes: clients on API process A, changes made by API process
 * B (holds, the sweeper, a failed payment), notified through Redis pub/sub.
 */
describe('Live stock streams across API processes (e2e, real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  const clients: SseClient[] = [];
  let a: ApiProcess;
  let b: ApiProcess;
  let db: DataSource;

  beforeAll(async () => {
    // A only serves (no worker, no sweeper); B releases expired holds with its sweeper every
    // second. Started together: the startup lock lets one of them create the schema.
    [a, b] = await Promise.all([
      // Every test client comes from 127.0.0.1: STREAM_MAX_PER_CLIENT is raised to let 100 watch.
      startApi(scaleOutEnv(databaseName, { WORKER_ENABLED: 'false', STREAM_MAX_PER_CLIENT: '1000' })),
      startApi(
        scaleOutEnv(databaseName, { HOLD_SWEEP_INTERVAL_SECONDS: '1', STREAM_MAX_PER_CLIENT: '1000' }),
      ),
    ]);
    runs.push(a.run, b.run);
    db = await openDatabase(databaseName);
  }, 180_000);

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await cleanUp(databaseName, runs, db);
  });

  async function watch(productId: number, count: number): Promise<SseClient[]> {
    const opened = await openClients(streamUrl(a, productId), count);
    clients.push(...opened);
    await Promise.all(
      opened.map((client) => client.waitFor((c) => c.events.length >= 1, 10_000, 'the first event')),
    );
    return opened;
  }

  it('should show clients on process A the holds made on process B within 1 s', async () => {
    const product = await createProduct(db, { totalStock: 300, availableStock: 300 });
    const watching = await watch(product.id, 100);

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => postHold(b.base, product.id, 1 + (i % 2)).answer),
    );
    const lastAnswerAt = Date.now();
    expect(answers.every((answer) => 'status' in answer && answer.status === 201)).toBe(true);

    const times = await seenAt(watching, await stockOf(db, product.id));
    expect(Math.max(...times) - lastAnswerAt).toBeLessThanOrEqual(WITHIN_MS);
    expect(watching.every(idsIncrease)).toBe(true);
  });

  it("should show clients on A a release by B's sweeper within 1 s", async () => {
    const product = await createProduct(db, { totalStock: 10, availableStock: 10 });
    // Already expired and without a delayed job: only the sweeper releases it.
    const hold = await insertHold(db, {
      productId: product.id,
      quantity: 4,
      holdExpiresAt: new Date(Date.now() - 1_000),
    });
    const watching = await watch(product.id, 10);
    expect(watching[0].events[0].data.available_stock).toBe(6);

    const releasedAt = await pollUntil(async () => {
      const [row] = await db.query('SELECT released_at FROM holds WHERE id = ?', [hold.id]);
      return row.released_at ? new Date(row.released_at as string).getTime() : undefined;
    }, Date.now() + 10_000);
    expect(releasedAt).toBeDefined();
    const times = await seenAt(watching, 10);
    expect(Math.max(...times) - releasedAt!).toBeLessThanOrEqual(WITHIN_MS);
  });

  it('should show clients on A the units a failed payment on B returns within 1 s', async () => {
    const product = await createProduct(db, { totalStock: 8, availableStock: 8 });
    const watching = await watch(product.id, 10);
    const hold = await post(b, '/holds', { product_id: product.id, quantity: 3 });
    const order = await post(b, '/orders', { hold_id: hold.hold_id });
    await seenAt(watching, 5);

    const payload = JSON.stringify({
      event_id: `evt_stream_${product.id}`,
      order_id: order.id,
      status: 'failed',
    });
    const response = await fetch(`${b.base}/payments/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signatureFor(payload, { secret: 'whsec_process_faults' }),
      },
      body: payload,
    });
    const answeredAt = Date.now();
    expect(response.status).toBe(200);
    const times = await seenAt(watching, 8);
    expect(Math.max(...times) - answeredAt).toBeLessThanOrEqual(WITHIN_MS);
  });

  it('should answer a read through B, right after a hold answered through A, with the new stock', async () => {
    const product = await createProduct(db, { totalStock: 100, availableStock: 100 });
    let expected = 100;
    for (let round = 0; round < 12; round++) {
      // Cached on B first: A's hold must invalidate the shared cache before A answers.
      await readThrough(b, product.id);
      const cached = await readThrough(b, product.id);
      expect({ round, ...cached }).toEqual({ round, cache: 'HIT', available: expected });
      const quantity = 1 + (round % 3);
      await post(a, '/holds', { product_id: product.id, quantity });
      expected -= quantity;

      const after = await readThrough(b, product.id);

      expect({ round, available: after.available }).toEqual({ round, available: expected });
    }
    expect(await stockOf(db, product.id)).toBe(expected);
  });

  it('should end every stream on SIGTERM and exit 0', async () => {
    const product = await createProduct(db);
    const watching = await watch(product.id, 20);

    a.run.child.kill('SIGTERM');
    const { code } = await a.run.exited;
    await Promise.all(watching.map((client) => client.closed));
    await outputComplete(a.run);

    expect(code).toBe(0);
    expect(watching.every((client) => client.ended)).toBe(true);
    expect(logEvents(a.run.output(), 'stream.shutdown')).toEqual([
      expect.objectContaining({ connections: 20 }),
    ]);
  });
});

describe('Live stock streams while Redis goes away and comes back (e2e, real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  let redis: RedisServer;
  let db: DataSource;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
  });

  afterAll(async () => {
    await cleanUp(databaseName, runs, db);
    await redis.stop();
  });

  it("should keep streams open through the outage and end them at the database's value once Redis returns", async () => {
    const env = scaleOutEnv(databaseName, {
      REDIS_PORT: String(redis.port),
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      STREAM_MAX_PER_CLIENT: '1000',
    });
    const [a, b] = await Promise.all([startApi({ ...env, WORKER_ENABLED: 'false' }), startApi(env)]);
    runs.push(a.run, b.run);
    db = await openDatabase(databaseName);
    const product = await createProduct(db, { totalStock: 200, availableStock: 200 });
    const watching = await openClients(streamUrl(a, product.id), 30);
    await Promise.all(
      watching.map((client) => client.waitFor((c) => c.events.length >= 1, 10_000, 'the first event')),
    );
    // A's subscription is up (its first resync is logged) before Redis goes away.
    const subscribed = await pollUntil(
      () => Promise.resolve(a.run.output().includes('"event":"stream.resync"') ? true : undefined),
      Date.now() + 20_000,
    );
    expect(subscribed).toBe(true);

    await redis.stop();
    // A burst on B while its notifications cannot reach A.
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => postHold(b.base, product.id, 2).answer),
    );
    expect(answers.filter((answer) => 'status' in answer && answer.status === 201).length).toBeGreaterThan(0);
    const expected = await stockOf(db, product.id);
    expect(expected).toBeLessThan(200);

    await redis.start();
    await seenAt(watching, expected);
    expect(watching.every((client) => !client.ended)).toBe(true);
    expect(watching.every(idsIncrease)).toBe(true);
    const logged = await pollUntil(
      () =>
        Promise.resolve(logEvents(a.run.output(), 'stream.redis_available').length > 0 ? true : undefined),
      Date.now() + 5_000,
    );
    expect(logged).toBe(true);
    expect(logEvents(a.run.output(), 'stream.redis_unavailable').length).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    expect(Number(/^flash_sale_stream_resyncs_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    watching.forEach((client) => client.close());
  }, 240_000);
});

async function post(api: ApiProcess, path: string, body: unknown): Promise<{ id: number; hold_id: number }> {
  const answer = await send(`${api.base}${path}`, 'POST', body).answer;
  if (!('status' in answer) || answer.status !== 201) throw new Error(`${path}: ${JSON.stringify(answer)}`);
  return (JSON.parse(answer.body) as { data: { id: number; hold_id: number } }).data;
}

/** A product read through one process: its stock and whether the shared cache answered. */
async function readThrough(
  api: ApiProcess,
  productId: number,
): Promise<{ cache: string | null; available: number }> {
  const response = await fetch(`${api.base}/products/${productId}`);
  const body = (await response.json()) as { data: { available_stock: number } };
  return { cache: response.headers.get('x-cache'), available: body.data.available_stock };
}

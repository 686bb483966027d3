import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { hostname } from 'node:os';
import { subscriberConnectionName } from '../../src/products/changes/redis-product-changes.channel';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { ChildRun } from '../utils/embedded';
import { pollUntil } from '../utils/poll';
import { ApiProcess, cleanUp, databaseEnv, logEvents, openDatabase, postHold } from '../utils/scale-out';
import { SseClient, idsIncrease, openClients } from '../utils/sse-client';
import { cleanEnv } from '../utils/embedded';
import { uniqueDatabaseName } from '../utils/test-env';
import {
  CLUSTER_WEBHOOK_SECRET,
  lockClusterSpecs,
  REDIS_CLUSTER_NODES,
  REDIS_CLUSTER_PORTS,
  redisClusterScript,
  SPEC_LOCK_WAIT_MS,
  startBuiltApi,
  unlockClusterSpecs,
} from './cluster-env';

/** The brief's bound: a hold answered by one process shows on another process's streams within it. */
const WITHIN_MS = 2_000;

/**
 * Live stock streams on a Redis Cluster: two API processes on the machine's MariaDB (the
 * database is not what is under test; Galera has its own spec) and the 3-master Redis
 * Cluster; clients on process B, holds on process A, the notifications through the cluster's
 * pub/sub.
 */
describe('Live stock streams across API processes on a Redis Cluster (real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  const clients: SseClient[] = [];
  let a: ApiProcess;
  let b: ApiProcess;
  let db: DataSource;

  beforeAll(async () => {
    await lockClusterSpecs();
    const env = cleanEnv({
      ...databaseEnv(databaseName),
      REDIS_CLUSTER_NODES,
      REDIS_PREFIX: databaseName,
      RATE_LIMIT_PER_MINUTE: '0',
      // Every test client comes from 127.0.0.1.
      STREAM_MAX_PER_CLIENT: '1000',
      SEED_ON_START: 'false',
      PAYMENT_WEBHOOK_SECRET: CLUSTER_WEBHOOK_SECRET,
    });
    // Started together: the startup lock lets one of them create the schema.
    [a, b] = await Promise.all([startBuiltApi(env), startBuiltApi({ ...env, WORKER_ENABLED: 'false' })]);
    runs.push(a.run, b.run);
    db = await openDatabase(databaseName);
    // B's subscription is up once it logged its first resync.
    const subscribed = await pollUntil(
      () => (logEvents(b.run.output(), 'stream.resync').length > 0 ? true : undefined),
      Date.now() + 30_000,
    );
    expect(subscribed).toBe(true);
  }, SPEC_LOCK_WAIT_MS + 300_000);

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    try {
      clients.forEach((client) => client.close());
      await redisClusterScript('start');
      await cleanUp(databaseName, runs, db);
    } finally {
      unlockClusterSpecs();
    }
  }, 120_000);

  async function watchOnB(productId: number, count: number): Promise<SseClient[]> {
    const opened = await openClients(`${b.base}/products/${productId}/stream`, count);
    clients.push(...opened);
    await Promise.all(
      opened.map((client) => client.waitFor((c) => c.events.length >= 1, 10_000, 'the first event')),
    );
    return opened;
  }

  /** When the first event showing `available` reached each client (they must all get it). */
  async function seenAt(watching: SseClient[], available: number, timeoutMs = 15_000): Promise<number[]> {
    await Promise.all(
      watching.map((client) =>
        client.waitFor(
          (c) => c.last?.data.available_stock === available,
          timeoutMs,
          `available ${available}`,
        ),
      ),
    );
    return watching.map(
      (client) => client.events.find((event) => event.data.available_stock === available)!.at,
    );
  }

  it('should show clients on process B a hold answered by process A within 2 s', async () => {
    const product = await createProduct(db, { totalStock: 100, availableStock: 100 });
    const watching = await watchOnB(product.id, 20);
    expect(watching.every((client) => client.last?.data.available_stock === 100)).toBe(true);

    for (const quantity of [3, 4]) {
      const answer = await postHold(a.base, product.id, quantity).answer;
      const answeredAt = Date.now();
      expect('status' in answer && answer.status).toBe(201);
      const expected = (await reloadProduct(db, product.id)).availableStock;
      const times = await seenAt(watching, expected);
      expect(Math.max(...times) - answeredAt).toBeLessThanOrEqual(WITHIN_MS);
    }
    expect(watching.every(idsIncrease)).toBe(true);
  });

  it("should keep B's streams open through a stop and restart of the master B listens on, and end them at the database's value", async () => {
    const product = await createProduct(db, { totalStock: 300, availableStock: 300 });
    const watching = await watchOnB(product.id, 20);
    // Classic pub/sub: B listens on one node of the cluster; that node is the one to lose.
    const listenedOn = await nodesListenedOnBy(b);
    expect(listenedOn).toHaveLength(1);
    const [port] = listenedOn;

    const during = Promise.all(Array.from({ length: 40 }, () => postHold(a.base, product.id, 1).answer));
    await redisClusterScript('stop-node', String(port));
    const burst = await during;
    const outage = await Promise.all(
      Array.from({ length: 20 }, () => postHold(a.base, product.id, 2).answer),
    );
    expect([...burst, ...outage].every((answer) => 'status' in answer && answer.status === 201)).toBe(true);
    // While its node is down, B listens on another one and reads again what it watches.
    const moved = await pollUntil(
      async () => {
        const ports = await nodesListenedOnBy(b);
        return ports.length === 1 && ports[0] !== port ? ports[0] : undefined;
      },
      Date.now() + 15_000,
      200,
    );
    expect(moved).toBeDefined();
    await seenAt(watching, 300 - 40 - 40);

    await redisClusterScript('start');
    const answer = await postHold(a.base, product.id, 5).answer;
    const answeredAt = Date.now();
    expect('status' in answer && answer.status).toBe(201);
    const expected = (await reloadProduct(db, product.id)).availableStock;
    expect(expected).toBe(300 - 80 - 5);
    const times = await seenAt(watching, expected);
    expect(Math.max(...times) - answeredAt).toBeLessThanOrEqual(WITHIN_MS);

    expect(watching.every((client) => !client.ended && client.status === 200)).toBe(true);
    expect(watching.every(idsIncrease)).toBe(true);
    expect(logEvents(b.run.output(), 'stream.redis_unavailable').length).toBeGreaterThan(0);
    expect(logEvents(b.run.output(), 'stream.redis_available').length).toBeGreaterThan(0);
  }, 120_000);
});

/** The masters on which `api`'s product changes subscriber is connected and subscribed (CLIENT LIST is per node). */
async function nodesListenedOnBy(api: ApiProcess): Promise<number[]> {
  const name = subscriberConnectionName(hostname(), api.run.child.pid!);
  const found: number[] = [];
  for (const port of REDIS_CLUSTER_PORTS) {
    const probe = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      connectTimeout: 1_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const clients = String(await probe.call('CLIENT', 'LIST')).split('\n');
      if (clients.some((line) => line.includes(` name=${name} `) && / sub=1 /.test(line))) found.push(port);
    } catch {
      // A stopped master listens to nobody.
    } finally {
      probe.disconnect();
    }
  }
  return found;
}

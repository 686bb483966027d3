import type { DataSource } from 'typeorm';
import { ChildRun, cleanEnv } from '../utils/embedded';
import { pollUntil, sleep } from '../utils/poll';
import { ApiProcess, cleanUp, databaseEnv, logEvents, openDatabase } from '../utils/scale-out';
import { uniqueDatabaseName } from '../utils/test-env';
import { call, Draw, expectData, nonce, recomputeDraw, sha256hex, Ticket } from '../utils/waiting-room';
import { signatureFor } from '../utils/webhook';
import {
  CLUSTER_WEBHOOK_SECRET,
  lockClusterSpecs,
  REDIS_CLUSTER_NODES,
  redisCluster,
  redisClusterScript,
  SPEC_LOCK_WAIT_MS,
  startBuiltApi,
  unlockClusterSpecs,
} from './cluster-env';

const ADMIN_TOKEN = 'admin-token-for-cluster-0123456789abcdef';
const STOCK = 3;
const PREQUEUE = 20;

/**
 * The waiting room's line on a 3-master Redis Cluster: two API processes on the machine's
 * MariaDB (the database is not what is under test) and the cluster. Every script of a line
 * names only keys with the product's hash tag, so each runs on the one master that owns the
 * slot; a key outside it would be refused with CROSSSLOT and the route would fail.
 */
describe('Waiting room on a Redis Cluster (real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  const apis: ApiProcess[] = [];
  let db: DataSource;
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    await lockClusterSpecs();
    const env = cleanEnv({
      ...databaseEnv(databaseName),
      REDIS_CLUSTER_NODES,
      REDIS_PREFIX: databaseName,
      RATE_LIMIT_PER_MINUTE: '0',
      SEED_ON_START: 'false',
      PAYMENT_WEBHOOK_SECRET: CLUSTER_WEBHOOK_SECRET,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
    });
    // Started together: the startup lock lets one of them create the schema.
    apis.push(
      ...(await Promise.all([startBuiltApi(env), startBuiltApi({ ...env, WORKER_ENABLED: 'false' })])),
    );
    runs.push(...apis.map((api) => api.run));
    db = await openDatabase(databaseName);
  }, SPEC_LOCK_WAIT_MS + 300_000);

  afterAll(async () => {
    try {
      await redisClusterScript('start');
      await cleanUp(databaseName, runs, db);
    } finally {
      unlockClusterSpecs();
    }
  }, 120_000);

  const join = (api: ApiProcess, productId: number, customerId: string) =>
    expectData<Ticket>(
      call(api, 'POST', `/products/${productId}/queue`, { customer_id: customerId, nonce: nonce() }),
      201,
    );
  const read = (api: ApiProcess, productId: number, ticketId: string) =>
    expectData<Ticket>(call(api, 'GET', `/products/${productId}/queue/${ticketId}`), 200);
  /** Every ticket, each through the other process than the one before. */
  const readAll = (productId: number, tickets: Ticket[]) =>
    Promise.all(tickets.map((ticket, index) => read(apis[index % 2], productId, ticket.ticket_id)));

  it('should join, draw, admit, hold with the token and sell out, with every line key on one slot', async () => {
    const [a, b] = apis;
    const product = await expectData<{ id: number; queue_commitment: string }>(
      call(
        a,
        'POST',
        '/admin/products',
        {
          name: 'Drop',
          price: '10.00',
          total_stock: STOCK,
          max_per_customer: 1,
          queue_enabled: true,
          queue_admit_per_minute: 6_000,
          sale_starts_at: new Date(Date.now() + 3_600_000).toISOString(),
        },
        admin,
      ),
      201,
    );
    const early = await Promise.all(
      Array.from({ length: PREQUEUE }, (_, i) => join(apis[i % 2], product.id, `early-${i}`)),
    );
    expect(early.map((ticket) => ticket.status)).toEqual(Array(PREQUEUE).fill('prequeue'));

    // The start comes (moved close through B); then the draw is out, the same through both.
    const moved = await expectData<{ sale_starts_at: string }>(
      call(
        b,
        'PATCH',
        `/admin/products/${product.id}`,
        { sale_starts_at: new Date(Date.now() + 1_500).toISOString() },
        admin,
      ),
      200,
    );
    await sleep(Date.parse(moved.sale_starts_at) - Date.now());
    const [draw, drawOnB] = await Promise.all(
      [a, b].map((api) => expectData<Draw>(call(api, 'GET', `/products/${product.id}/queue/draw`), 200)),
    );
    expect(drawOnB).toEqual(draw);
    expect(sha256hex(draw.seed)).toBe(product.queue_commitment);
    expect(draw.tickets).toEqual(
      recomputeDraw(
        draw.seed,
        early.map((ticket) => ticket.entry_hash),
      ),
    );
    const late = [await join(b, product.id, 'late-0'), await join(a, product.id, 'late-1')];
    expect(late.map((ticket) => ticket.position)).toEqual([PREQUEUE + 1, PREQUEUE + 2]);
    const byHash = new Map(early.map((ticket) => [ticket.entry_hash, ticket]));
    const line = [...draw.tickets.map((hash) => byHash.get(hash)!), ...late];

    // Admission: the head of the line, as many as there are units, and no more.
    const admittedFirst = await pollUntil(async () => {
      const tickets = await readAll(product.id, line);
      return tickets.filter((ticket) => ticket.status === 'admitted').length === STOCK ? tickets : undefined;
    }, Date.now() + 10_000);
    expect(admittedFirst?.map((ticket) => ticket.status)).toEqual([
      ...Array(STOCK).fill('admitted'),
      ...Array(line.length - STOCK).fill('waiting'),
    ]);
    await sleep(500);
    expect((await readAll(product.id, line)).filter((ticket) => ticket.status === 'admitted')).toHaveLength(
      STOCK,
    );

    // Each admitted buyer holds a unit with the token one process signed, on the other, and pays.
    for (const [index, ticket] of admittedFirst!.slice(0, STOCK).entries()) {
      const holder = apis[(index + 1) % 2];
      const hold = await expectData<{ hold_id: number; customer_id: string }>(
        call(
          holder,
          'POST',
          '/holds',
          { product_id: product.id, quantity: 1 },
          { 'Admission-Token': ticket.admission_token! },
        ),
        201,
      );
      expect(hold.customer_id).toBe(line[index].customer_id);
      const order = await expectData<{ id: number }>(
        call(apis[index % 2], 'POST', '/orders', { hold_id: hold.hold_id }),
        201,
      );
      const payload = JSON.stringify({
        event_id: `evt_queue_${order.id}`,
        order_id: order.id,
        status: 'paid',
      });
      const paid = await fetch(`${holder.base}/payments/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signatureFor(payload, { secret: CLUSTER_WEBHOOK_SECRET }),
        },
        body: payload,
      });
      expect(paid.status).toBe(200);
    }
    const soldAt = Date.now();

    // Nothing left and nothing that could come back: everyone still in line is sold_out within 2 s.
    const soldOut = await pollUntil(async () => {
      const tickets = await readAll(product.id, line.slice(STOCK));
      return tickets.every((ticket) => ticket.status === 'sold_out') ? Date.now() : undefined;
    }, soldAt + 5_000);
    expect(soldOut).toBeDefined();
    expect(soldOut! - soldAt).toBeLessThanOrEqual(2_000 + 500);
    const joinedAfter = await expectData<Ticket>(
      call(a, 'POST', `/products/${product.id}/queue`, { customer_id: 'too-late', nonce: nonce() }),
      201,
    );
    expect(
      await pollUntil(
        async () =>
          (await read(b, product.id, joinedAfter.ticket_id)).status === 'sold_out' ? true : undefined,
        Date.now() + 5_000,
      ),
    ).toBe(true);

    // The line's keys: all under the product's hash tag, so one slot on one master.
    const cluster = redisCluster();
    try {
      await cluster.call('CLUSTER', 'INFO');
      const keys = (
        await Promise.all(
          cluster.nodes('master').map((node) => node.keys(`{${databaseName}:*:queue:${product.id}}:*`)),
        )
      ).filter((found) => found.length > 0);
      expect(keys).toHaveLength(1);
      const slots = new Set(await Promise.all(keys[0].map((key) => cluster.call('CLUSTER', 'KEYSLOT', key))));
      expect(slots.size).toBe(1);
      expect(keys[0].length).toBeGreaterThanOrEqual(5);
    } finally {
      cluster.disconnect();
    }
    const output = runs.map((run) => run.output()).join('\n');
    expect(output).not.toContain('CROSSSLOT');
    expect(logEvents(output, 'queue.tick_failed')).toEqual([]);
    expect(logEvents(output, 'queue.sold_out').length).toBeGreaterThan(0);
  });
});

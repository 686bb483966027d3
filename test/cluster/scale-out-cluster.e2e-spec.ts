import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { identityOf } from '../../src/database/database-identity';
import { holdIdsOf, type HoldExpiryJobData } from '../../src/expiry/scheduling/hold-expiry.jobs';
import { createProduct } from '../factories/product.factory';
import { ChildRun, stop } from '../utils/embedded';
import { pollUntil } from '../utils/poll';
import {
  Answer,
  ApiProcess,
  createdBodies,
  logEvents,
  postHold,
  send,
  sumCreated,
  tally,
} from '../utils/scale-out';
import { uniqueDatabaseName } from '../utils/test-env';
import { signatureFor } from '../utils/webhook';
import {
  CLUSTER_WEBHOOK_SECRET,
  clusterEnv,
  dropClusterDatabase,
  GALERA_NODES,
  GaleraNode,
  galeraScript,
  lockClusterSpecs,
  masterPortOf,
  openNode,
  redisCluster,
  redisClusterScript,
  runBuilt,
  startBuiltApi,
  runStockAuditOn,
  SPEC_LOCK_WAIT_MS,
  unlockClusterSpecs,
} from './cluster-env';

/** Long enough for every burst and its checks, short enough to watch every hold expire. */
const HOLD_TTL_SECONDS = 15;

interface HoldRow {
  id: number;
  quantity: number;
  released_at: Date | null;
  used_at: Date | null;
}

/**
 * The scale-out deployment on real distributed engines: three API processes, each on its own
 * node of a 3-node MariaDB Galera cluster (multi-primary: a row lock is local to its node, a
 * conflicting write on another node fails certification at commit), one worker process, and
 * a 3-master Redis Cluster for the queue, the cache and the rate limit. Tests run in order and
 * share the processes; the fault tests come last.
 */
describe('Scale-out on a Galera cluster and a Redis Cluster (real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const apis: ApiProcess[] = [];
  const runs: ChildRun[] = [];
  let worker: ChildRun;
  const nodes = new Map<GaleraNode, DataSource>();
  const db = (node: GaleraNode = 1) => nodes.get(node)!;
  const allOutput = () => runs.map((run) => run.output()).join('\n');

  beforeAll(async () => {
    await lockClusterSpecs();
    const env = (node: GaleraNode, extra: Record<string, string> = {}) =>
      clusterEnv(databaseName, node, {
        HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
        HOLD_SWEEP_INTERVAL_SECONDS: '1',
        ...extra,
      });
    // All four start at once, on three nodes: the cluster-wide startup lock lets one migrate.
    // The worker is on node 1, which the fault test leaves alone.
    worker = runBuilt('worker', env(1));
    runs.push(worker);
    const started = await Promise.all(
      GALERA_NODES.map((node) => startBuiltApi(env(node, { WORKER_ENABLED: 'false' }))),
    );
    apis.push(...started);
    runs.push(...started.map((api) => api.run));
    const workerUp = await pollUntil(
      () =>
        Promise.resolve(
          worker.output().includes('"event":"worker.started"') || worker.child.exitCode !== null
            ? true
            : undefined,
        ),
      Date.now() + 120_000,
      200,
    );
    // On failure, say why: the worker's own last lines.
    expect(workerUp && worker.child.exitCode === null ? 'started' : worker.output().slice(-3000)).toBe(
      'started',
    );
    for (const node of GALERA_NODES) nodes.set(node, await openNode(databaseName, node));
  }, SPEC_LOCK_WAIT_MS + 300_000);

  afterAll(async () => {
    try {
      await Promise.all(runs.map((run) => stop(run)));
      await Promise.all([...nodes.values()].map((dataSource) => dataSource.destroy()));
      // A node may still be rejoining after the fault test: the drop must reach all three.
      await galeraScript('start');
      await redisClusterScript('start');
      await dropClusterDatabase(databaseName);
    } finally {
      unlockClusterSpecs();
    }
  }, 300_000);

  it('should migrate once for the whole cluster and give every table a primary key', async () => {
    const migrated = runs.filter((run) => run.output().includes('"event":"database.migrated"'));
    expect(migrated).toHaveLength(1);
    const applied: Array<{ name: string; times: number }> = await db(3).query(
      'SELECT name, COUNT(*) AS times FROM migrations GROUP BY name',
    );
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((row) => Number(row.times) === 1)).toBe(true);
    const withoutKey: unknown[] = await db(2).query(
      `SELECT t.table_name FROM information_schema.tables t
        WHERE t.table_schema = ? AND t.table_type = 'BASE TABLE' AND NOT EXISTS (
          SELECT 1 FROM information_schema.table_constraints c
           WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY')`,
      [databaseName],
    );
    expect(withoutKey).toEqual([]);
    // Galera's auto-increment control: ids step by the cluster size, which nothing may assume away.
    const [{ step }] = await db(1).query('SELECT @@auto_increment_increment AS step');
    expect(Number(step)).toBe(3);
  });

  it('should hold exactly 300 units out of 600 concurrent holds of 1-3 spread over three processes on three nodes', async () => {
    const product = await createProduct(db(), { totalStock: 300, availableStock: 300 });
    await waitForRow(product.id);
    const answers = await Promise.all(
      Array.from({ length: 600 }, (_, i) => postHold(apis[i % 3].base, product.id, 1 + (i % 3)).answer),
    );

    expect(Object.keys(tally(answers)).sort()).toEqual(['201', '409']);
    expect(sumCreated(answers)).toBe(300);
    // Every 201 is one stored hold with the units it announced (read on another node than most wrote to).
    const holds = await holdsOf(3, product.id);
    const created = createdBodies(answers);
    expect(holds.map((hold) => hold.id).sort(byNumber)).toEqual(
      created.map((hold) => hold.hold_id).sort(byNumber),
    );
    const quantityById = new Map(holds.map((hold) => [hold.id, hold.quantity]));
    expect(created.every((hold) => quantityById.get(hold.hold_id) === hold.quantity)).toBe(true);
    for (const node of GALERA_NODES) {
      expect(await availableOn(node, product.id)).toBe(0);
    }
  });

  it("should give exactly 10 holds for the original's 30 x 10 on 100, over three processes", async () => {
    const product = await createProduct(db(), { totalStock: 100, availableStock: 100 });
    await waitForRow(product.id);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => postHold(apis[i % 3].base, product.id, 10).answer),
    );
    expect(tally(answers)).toEqual({ 201: 10, 409: 20 });
    expect(await availableOn(2, product.id)).toBe(0);
  });

  it('should show a hold answered through node 1 in a product read through node 3 right after', async () => {
    const product = await createProduct(db(), { totalStock: 50, availableStock: 50 });
    await waitForRow(product.id);
    for (let i = 1; i <= 20; i++) {
      const hold = await postHold(apis[0].base, product.id, 1).answer;
      expect(statusOf(hold)).toBe(201);
      const read = await send(`${apis[2].base}/products/${product.id}`, 'GET').answer;
      expect(statusOf(read)).toBe(200);
      expect(dataOf<{ available_stock: number }>(read).available_stock).toBe(50 - i);
    }
  });

  it('should apply one payment event once when its 20 deliveries are spread over three processes', async () => {
    const product = await createProduct(db(), { totalStock: 10, availableStock: 10 });
    await waitForRow(product.id);
    const hold = dataOf<{ hold_id: number }>(await postHold(apis[0].base, product.id, 2).answer);
    const order = dataOf<{ id: number }>(
      await send(`${apis[1].base}/orders`, 'POST', { hold_id: hold.hold_id }).answer,
    );
    const payload = JSON.stringify({
      event_id: `evt_cluster_${order.id}`,
      order_id: order.id,
      status: 'paid',
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signedWebhook(apis[i % 3].base, payload)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const messages = answers.map((answer) => (JSON.parse(answer.body) as { message: string }).message);
    expect(messages.filter((message) => message === 'Payment processed')).toHaveLength(1);
    const [events] = await db(3).query(
      'SET STATEMENT wsrep_sync_wait = 1 FOR SELECT COUNT(*) AS n FROM payment_events WHERE order_id = ?',
      [order.id],
    );
    expect(Number((events as { n: number }).n)).toBe(1);
    const [row] = await db(2).query(
      'SET STATEMENT wsrep_sync_wait = 1 FOR SELECT status FROM orders WHERE id = ?',
      [order.id],
    );
    expect((row as { status: string }).status).toBe('completed');
  });

  it('should release every expiring hold exactly once, by its job or by the sweeper, across processes', async () => {
    const product = await createProduct(db(), { totalStock: 30, availableStock: 30 });
    await waitForRow(product.id);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postHold(apis[i % 3].base, product.id, 2).answer),
    );
    const created = createdBodies(answers).map((hold) => hold.hold_id);
    expect(created).toHaveLength(12);
    // Every other batch loses its delayed job (as when Redis lost it): the sweeper must release those holds.
    // BullMQ never closes a connection it is given: disconnected below, or its reconnect
    // attempts after the clusters stop would keep Jest from exiting.
    const connection = redisCluster();
    const queue = new Queue('hold-expiry', { connection, prefix: await queueTag() });
    const withoutJob: number[] = [];
    try {
      const jobs = (await queue.getDelayed()).filter((job) =>
        holdIdsOf(job.data as HoldExpiryJobData).some((id) => created.includes(id)),
      );
      expect(jobs.length).toBeGreaterThanOrEqual(2);
      for (const job of jobs.filter((_, index) => index % 2 === 0)) {
        expect(await queue.remove(job.id!)).toBe(1);
        withoutJob.push(...holdIdsOf(job.data as HoldExpiryJobData));
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }

    // Every hold taken so far (the bursts above included) comes back once its TTL is up.
    const released = await pollUntil(
      async () => {
        const [{ active }] = await db(2).query(
          'SET STATEMENT wsrep_sync_wait = 1 FOR SELECT COUNT(*) AS active FROM holds WHERE released_at IS NULL AND used_at IS NULL',
        );
        return Number(active) === 0 ? true : undefined;
      },
      Date.now() + (HOLD_TTL_SECONDS + 20) * 1000,
      250,
    );
    expect(released).toBe(true);
    expect(await availableOn(1, product.id)).toBe(30);

    const [{ total }] = await db(1).query(
      'SELECT COUNT(*) AS total FROM holds WHERE released_at IS NOT NULL',
    );
    // Another node can show a release before the process that committed it has logged it
    // (Galera applies the write set there as the commit returns): wait for the lines.
    const logged = () => logEvents(allOutput(), 'hold.released');
    await pollUntil(() => (logged().length >= Number(total) ? true : undefined), Date.now() + 5_000);
    const events = logged();
    const releasedIds = events.map((event) => Number(event.hold_id));
    expect(releasedIds).toHaveLength(Number(total));
    expect(new Set(releasedIds).size).toBe(releasedIds.length);
    const sourceOf = new Map(events.map((event) => [Number(event.hold_id), event.source]));
    expect(withoutJob.map((id) => sourceOf.get(id))).toEqual(Array(withoutJob.length).fill('sweeper'));
    const withJob = created.filter((id) => !withoutJob.includes(id));
    expect(withJob.map((id) => sourceOf.get(id))).toContain('job');
  }, 60_000);

  it('should pass npm run audit:stock against each of the three nodes', async () => {
    for (const node of GALERA_NODES) {
      const audit = await runStockAuditOn(databaseName, node);
      expect({ node, code: audit.code }).toEqual({ node, code: 0 });
      expect(audit.output).toMatch(/All \d+ products accounted for/);
    }
  }, 60_000);

  it('should count the rate limit across two API processes: 30/min for one client is 30 in total, not 60', async () => {
    const product = await createProduct(db(), { totalStock: 1000, availableStock: 1000 });
    await waitForRow(product.id);
    const limited = await Promise.all(
      ([1, 3] as const).map((node) =>
        startBuiltApi(
          clusterEnv(databaseName, node, { RATE_LIMIT_PER_MINUTE: '30', WORKER_ENABLED: 'false' }),
        ),
      ),
    );
    runs.push(...limited.map((api) => api.run));
    try {
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => postHold(limited[i % 2].base, product.id, 1).answer),
      );
      const { 201: accepted = 0, 429: refused = 0 } = tally(answers);
      // A check Redis did not answer in time lets its request through uncounted (fail open),
      // counted in flash_sale_rate_limit_unavailable_total: only those may pass beyond 30.
      const uncounted = (await Promise.all(limited.map(uncountedRequests))).reduce((a, b) => a + b, 0);
      expect({ answered: accepted + refused, overLimit: accepted - 30 - uncounted > 0 }).toEqual({
        answered: 60,
        overLimit: false,
      });
      expect(accepted).toBeGreaterThanOrEqual(30);
      expect(uncounted).toBeLessThan(10);
    } finally {
      await Promise.all(limited.map((api) => stop(api.run)));
    }
  }, 120_000);

  it('should answer 503 quickly on the API of a SIGKILLed node while the others keep selling, and rejoin exact', async () => {
    const product = await createProduct(db(), { totalStock: 5000, availableStock: 5000 });
    await waitForRow(product.id);
    const burst = (count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          timed(() => postHold(apis[i % 3].base, product.id, 1).answer),
        ),
      );

    const before = await burst(60);
    expect(before.every(({ answer }) => statusOf(answer) === 201)).toBe(true);
    const during = burst(300);
    await galeraScript('kill', '2');
    const duringAnswers = await during;
    const after = await burst(90);

    // Node 2's API: 503 (or an answer given before the kill), quickly, never a hang or a 500.
    const onNode2 = [...duringAnswers, ...after].filter((_, i) => i % 3 === 1).map(({ answer }) => answer);
    expect(Object.keys(tally(onNode2)).filter((status) => status !== '201' && status !== '503')).toEqual([]);
    const refused = after.filter((_, i) => i % 3 === 1);
    expect(tally(refused.map(({ answer }) => answer))).toEqual({ 503: refused.length });
    expect(Math.max(...refused.map(({ ms }) => ms))).toBeLessThan(5_000);
    // Nodes 1 and 3 keep selling.
    const others = after.filter((_, i) => i % 3 !== 1).map(({ answer }) => answer);
    expect(tally(others)).toEqual({ 201: others.length });

    await galeraScript('start');
    const back = await pollUntil(
      async () => (statusOf(await postHold(apis[1].base, product.id, 1).answer) === 201 ? true : undefined),
      Date.now() + 60_000,
      250,
    );
    expect(back).toBe(true);
    // Nothing lost or doubled: every 201 is a stored hold, and every unit is accounted for on all nodes.
    const granted = [...before, ...duringAnswers, ...after].map(({ answer }) => answer);
    const stored = new Set((await holdsOf(2, product.id)).map((hold) => hold.id));
    expect(createdBodies(granted).every((hold) => stored.has(hold.hold_id))).toBe(true);
    for (const node of GALERA_NODES) {
      const audit = await runStockAuditOn(databaseName, node);
      expect({ node, code: audit.code }).toEqual({ node, code: 0 });
    }
  }, 240_000);

  it('should keep selling through a Redis Cluster master outage, fall back to the sweeper, and resume', async () => {
    const product = await createProduct(db(), { totalStock: 400, availableStock: 400 });
    await waitForRow(product.id);
    // The master that holds the queue's hash slot: its loss takes BullMQ away entirely.
    const queueMaster = await masterPortOf(await queueTag());
    const during = Promise.all(
      Array.from({ length: 150 }, (_, i) => postHold(apis[i % 3].base, product.id, 1).answer),
    );
    await redisClusterScript('stop-node', String(queueMaster));
    const duringAnswers = await during;
    const outage = await Promise.all(
      Array.from({ length: 60 }, (_, i) => postHold(apis[i % 3].base, product.id, 1).answer),
    );
    expect(tally([...duringAnswers, ...outage])).toEqual({ 201: 210 });
    const outageHolds = createdBodies(outage);
    const order = await send(`${apis[0].base}/orders`, 'POST', { hold_id: outageHolds[0].hold_id }).answer;
    expect(statusOf(order)).toBe(201);
    const read = await send(`${apis[2].base}/products/${product.id}`, 'GET').answer;
    expect(dataOf<{ available_stock: number }>(read).available_stock).toBe(400 - 210);
    expect(allOutput()).toContain('"event":"hold.expiry_schedule_failed"');

    await redisClusterScript('start');
    // Expiry without the queue: holds created during the outage are released by the sweeper.
    const sweptIds = outageHolds.slice(1).map((hold) => hold.hold_id);
    const swept = await pollUntil(
      () => {
        const sources = new Map(
          logEvents(allOutput(), 'hold.released').map((e) => [Number(e.hold_id), e.source]),
        );
        return Promise.resolve(
          sweptIds.every((id) => sources.has(id)) ? sweptIds.map((id) => sources.get(id)) : undefined,
        );
      },
      Date.now() + (HOLD_TTL_SECONDS + 20) * 1000,
      250,
    );
    expect(swept).toEqual(Array(sweptIds.length).fill('sweeper'));
    // Once the master is back (empty: no persistence), new holds get their delayed job again.
    // BullMQ never closes a connection it is given: disconnected below, or its reconnect
    // attempts after the clusters stop would keep Jest from exiting.
    const connection = redisCluster();
    const queue = new Queue('hold-expiry', { connection, prefix: await queueTag() });
    try {
      const resumed = await pollUntil(
        async () => {
          const id = dataOf<{ hold_id: number }>(await postHold(apis[0].base, product.id, 1).answer).hold_id;
          const delayed = await queue.getDelayed().catch(() => []);
          return delayed.some((job) => holdIdsOf(job.data as HoldExpiryJobData).includes(id))
            ? id
            : undefined;
        },
        Date.now() + 30_000,
        500,
      );
      expect(resumed).toBeDefined();
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const audit = await runStockAuditOn(databaseName, 3);
    expect(audit.code).toBe(0);
  }, 180_000);

  /** The queue's prefix: REDIS_PREFIX and the database's identity, hash-tagged on a cluster. */
  async function queueTag(): Promise<string> {
    const [row] = await db(1).query('SELECT instance_id FROM app_instance WHERE id = 1');
    return `{${databaseName}:${identityOf((row as { instance_id: string }).instance_id, databaseName)}}`;
  }

  /** Created on node 1; the APIs on nodes 2 and 3 read causally, but the test's own connections do not. */
  async function waitForRow(productId: number): Promise<void> {
    for (const node of GALERA_NODES) {
      await db(node).query('SET STATEMENT wsrep_sync_wait = 1 FOR SELECT id FROM products WHERE id = ?', [
        productId,
      ]);
    }
  }

  async function holdsOf(node: GaleraNode, productId: number): Promise<HoldRow[]> {
    const rows: HoldRow[] = await db(node).query(
      'SET STATEMENT wsrep_sync_wait = 1 FOR SELECT id, quantity, released_at, used_at FROM holds WHERE product_id = ?',
      [productId],
    );
    return rows.map((row) => ({ ...row, id: Number(row.id), quantity: Number(row.quantity) }));
  }

  async function availableOn(node: GaleraNode, productId: number): Promise<number> {
    const [row] = await db(node).query(
      'SET STATEMENT wsrep_sync_wait = 1 FOR SELECT available_stock FROM products WHERE id = ?',
      [productId],
    );
    return Number((row as { available_stock: number }).available_stock);
  }
});

async function uncountedRequests(api: ApiProcess): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
  return Number(/^flash_sale_rate_limit_unavailable_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
}

async function signedWebhook(base: string, payload: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}/payments/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': signatureFor(payload, { secret: CLUSTER_WEBHOOK_SECRET }),
    },
    body: payload,
  });
  return { status: response.status, body: await response.text() };
}

async function timed(request: () => Promise<Answer>): Promise<{ answer: Answer; ms: number }> {
  const started = Date.now();
  const answer = await request();
  return { answer, ms: Date.now() - started };
}

function statusOf(answer: Answer): number | string {
  return 'status' in answer ? answer.status : answer.error;
}

function dataOf<T>(answer: Answer): T {
  if (!('status' in answer)) throw new Error(`No answer: ${answer.error}`);
  return (JSON.parse(answer.body) as { data: T }).data;
}

function byNumber(a: number, b: number): number {
  return a - b;
}

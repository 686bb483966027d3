import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { auditStock } from '../../src/database/stock-audit';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import type { ChildRun } from '../utils/embedded';
import { pollUntil } from '../utils/poll';
import {
  Answer,
  ApiProcess,
  cleanUp,
  isCreated,
  logEvents,
  outputComplete,
  openDatabase,
  postHold,
  runStockAudit,
  scaleOutEnv,
  send,
  SentRequest,
  startApi,
  sumCreated,
  tally,
} from '../utils/scale-out';
import { serverBacklog } from '../utils/socket-queues';
import { TEST_DB, uniqueDatabaseName } from '../utils/test-env';

/**
 * A real API process (src/main.ts, as `npm start` runs it) on MariaDB and Redis, killed or
 * stopped in the middle of a burst of holds. Afterwards every product's missing units must
 * sit in exactly one hold or order (auditStock / `npm run audit:stock`): nothing lost,
 * nothing doubled.
 */
describe('Process faults during a burst of holds (e2e, real processes)', () => {
  let databaseName: string;
  let runs: Array<ChildRun | undefined>;
  let db: DataSource | undefined;

  beforeEach(() => {
    databaseName = uniqueDatabaseName();
    runs = [];
    db = undefined;
  });

  afterEach(async () => {
    await cleanUp(databaseName, runs, db);
  });

  async function start(extra: Record<string, string> = {}): Promise<ApiProcess> {
    const api = await startApi(scaleOutEnv(databaseName, extra));
    runs.push(api.run);
    return api;
  }

  async function createProducts(dataSource: DataSource, count: number, stock: number) {
    const product = () => createProduct(dataSource, { totalStock: stock, availableStock: stock });
    return Promise.all(Array.from({ length: count }, product));
  }

  /** Holds spread over the products, 1-3 units each (every size for every product), all sent at once. */
  function burst(base: string, productIds: number[], count: number): SentRequest[] {
    const products = productIds.length;
    return Array.from({ length: count }, (_, i) =>
      postHold(base, productIds[i % products], 1 + (Math.floor(i / products) % 3)),
    );
  }

  async function expectEveryUnitAccountedFor(dataSource: DataSource): Promise<void> {
    const rows = await auditStock(dataSource);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.difference !== 0)).toEqual([]);
  }

  it('should lose or double no unit when killed with SIGKILL mid-burst, as audit:stock confirms', async () => {
    const api = await start();
    db = await openDatabase(databaseName);
    const products = await createProducts(db, 3, 1000);
    const ids = products.map((product) => product.id);

    const requests = burst(api.base, ids, 450);
    // Mid-burst: some holds have committed and answered, the rest are queued or in a transaction.
    const answered: Answer[] = [];
    requests.forEach((request) => void request.answer.then((answer) => answered.push(answer)));
    const firstCreated = () => (answered.filter(isCreated).length >= 20 ? true : undefined);
    await pollUntil(firstCreated, Date.now() + 60_000);
    api.run.child.kill('SIGKILL');
    const answers = await Promise.all(requests.map((request) => request.answer));

    expect(await api.run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const counts = tally(answers);
    expect(counts['201']).toBeGreaterThanOrEqual(20);
    // The kill did cut the burst short: these got no answer at all.
    expect(answers.filter((answer) => 'error' in answer).length).toBeGreaterThan(0);

    // A new process on the same database (and Redis, with the dead one's jobs) starts and serves.
    const restarted = await start();
    expect(await postHold(restarted.base, ids[0], 2).answer).toMatchObject({ status: 201 });

    await expectEveryUnitAccountedFor(db);
    // Every hold the dead process answered 201 for is there (others may have committed unanswered).
    const [{ holds }] = await db.query('SELECT COUNT(*) AS holds FROM holds');
    expect(Number(holds)).toBeGreaterThanOrEqual(counts['201'] + 1);

    // The operator's check says the same...
    const clean = await runStockAudit(databaseName);
    expect(clean.output).toContain('All 3 products accounted for');
    expect(clean.code).toBe(0);
    // ...and names a product that lost a unit (neither available, held nor ordered).
    await db.query('UPDATE products SET available_stock = available_stock - 1 WHERE id = ?', [ids[1]]);
    const report = await runStockAudit(databaseName);
    expect(report.output).toContain(`Stock differences on products ${ids[1]}`);
    expect(report.output).not.toContain('accounted for');
    expect(report.code).toBe(1);
  });

  it('should finish the requests it accepted, refuse new connections and exit on SIGTERM', async () => {
    // All-in-one (API + expiry worker + sweeper), the sweeper every second.
    const api = await start({ HOLD_SWEEP_INTERVAL_SECONDS: '1' });
    db = await openDatabase(databaseName);
    const products = await createProducts(db, 3, 100);
    // A hold only the sweeper can release (written directly, so it has no job), due once
    // our locks are surely in place.
    const [swept] = await createProducts(db, 1, 10);
    const holdExpiresAt = new Date(Date.now() + 4_000);
    await insertHold(db, { productId: swept.id, quantity: 4, holdExpiresAt });

    // Our transaction holds every product row, so each request the server accepts waits
    // inside it, and so does the sweeper's run once the hold expires. Shutdown then begins
    // with work in hand everywhere.
    const releaseLocks = await lockProducts([...products, swept].map((product) => product.id));
    let requests: SentRequest[];
    let signalledAt: number;
    try {
      // More demand than stock (about 200 units a product against 100): 201s and 409s.
      requests = burst(
        api.base,
        products.map((product) => product.id),
        300,
      );
      await Promise.all(requests.map((request) => request.flushed));
      // One hold batch per product and the sweeper wait on our locks...
      await waitForLockWaits(4);
      // ...and the server has accepted every connection and read every request (the kernel
      // holds nothing for it), so each of the 300 is in its hands when the signal comes.
      const allRead = await pollUntil(
        () => {
          const backlog = serverBacklog(api.port);
          return backlog.connections >= 300 && backlog.unaccepted === 0 && backlog.unread === 0
            ? backlog
            : undefined;
        },
        Date.now() + 30_000,
        50,
      );
      expect(allRead).toMatchObject({ unaccepted: 0, unread: 0 });

      signalledAt = Date.now();
      api.run.child.kill('SIGTERM');

      // The port stops taking connections while the accepted requests still wait.
      const refused = await pollUntil(
        async () => {
          const answer = await send(`${api.base}/products?per_page=1`, 'GET').answer;
          return 'error' in answer && answer.error === 'ECONNREFUSED' ? answer : undefined;
        },
        Date.now() + 10_000,
        100,
      );
      expect(refused).toEqual({ error: 'ECONNREFUSED' });
      expect(await settledCount(requests)).toBe(0);
    } finally {
      await releaseLocks();
    }

    const answers = await Promise.all(requests.map((request) => request.answer));
    const counts = tally(answers);
    expect(Object.keys(counts).sort()).toEqual(['201', '409']);
    // Each accepted request was answered; none was reset or turned away.
    expect(counts['201'] + counts['409']).toBe(300);
    // Everything closed, the process exits 0, within the bound.
    expect(await api.run.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(30_000);
    await outputComplete(api.run);
    // The holds in hand invalidated the shared product cache: its Redis was still connected.
    expect(logEvents(api.run.output(), 'cache.invalidation_deferred')).toEqual([]);
    // Nothing logged on the way out is lost: the access line of every accepted request is there.
    expect(accessLines(api.run.output(), 'POST', '/api/holds')).toHaveLength(300);
    await expectEveryUnitAccountedFor(db);
    const [{ taken }] = await db.query('SELECT SUM(quantity) AS taken FROM holds WHERE product_id <> ?', [
      swept.id,
    ]);
    expect(Number(taken)).toBe(sumCreated(answers));
  });

  /** Locks the products' rows in a transaction of the test's own until the returned function commits it. */
  async function lockProducts(ids: number[]): Promise<() => Promise<void>> {
    const { host, port, user, password } = TEST_DB;
    const connection = await createConnection({ host, port, user, password, database: databaseName });
    await connection.query('START TRANSACTION');
    await connection.query('SELECT id FROM products WHERE id IN (?) FOR UPDATE', [ids]);
    return async () => {
      await connection.query('COMMIT');
      await connection.end();
    };
  }

  /** Waits until at least `count` transactions on the test database wait for a row lock. */
  async function waitForLockWaits(count: number): Promise<void> {
    const waiting = await pollUntil(
      async () => {
        const [{ n }] = await db!.query(
          `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t
          JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
          WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?`,
          [databaseName],
        );
        return Number(n) >= count ? Number(n) : undefined;
      },
      Date.now() + 30_000,
      100,
    );
    expect(waiting).toBeGreaterThanOrEqual(count);
  }
});

/** The access log lines ("request completed") of one route. */
function accessLines(output: string, method: string, url: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"msg":"request completed"') && line.includes(`"method":"${method}"`))
    .filter((line) => line.includes(`"url":"${url}"`));
}

/** How many of the requests have an answer (or an error) by now. */
async function settledCount(requests: SentRequest[]): Promise<number> {
  const pending = Symbol('pending');
  const states = await Promise.all(
    requests.map((request) => Promise.race([request.answer, Promise.resolve(pending)])),
  );
  return states.filter((state) => state !== pending).length;
}

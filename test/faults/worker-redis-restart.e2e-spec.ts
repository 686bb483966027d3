import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { DatabaseIdentity } from '../../src/database/database-identity';
import {
  EXPIRE_HOLD_JOB,
  HOLD_EXPIRY_QUEUE,
  queuePrefix,
} from '../../src/expiry/scheduling/hold-expiry.jobs';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import { ChildRun, runEntry, stop } from '../utils/embedded';
import { loadHolds } from '../utils/expiry';
import { pollUntil } from '../utils/poll';
import { RedisServer } from '../utils/redis-server';
import { logEvents, openDatabase, scaleOutEnv } from '../utils/scale-out';
import { dropDatabase, uniqueDatabaseName } from '../utils/test-env';

const SWEEP_INTERVAL_SECONDS = 1;
/** Due jobs enough that the worker is still fetching them when Redis goes away. */
const DUE_JOBS = 3_000;
/** Each outage hits the worker at a moment of its own; the stall came from most, not all. */
const OUTAGES = 2;

/**
 * The worker (npm run start:worker) loses its Redis while it is busy with due expiry jobs
 * (found by `npm run chaos`, seed 20261208): BullMQ's main loop, fetching its next job on the
 * broken connection (no offline queue), got "Stream isn't writeable" at once, took it for an
 * error of another kind, and fetched again without a pause: a loop of promises that settle at
 * once, which starved the event loop. No timer fired (no sweep, no reconnect), no signal was
 * handled: the process released nothing and ignored SIGTERM until SIGKILL.
 */
describe('Worker during a Redis restart (e2e)', () => {
  const database = uniqueDatabaseName();
  let redis: RedisServer;
  let worker: ChildRun | undefined;
  let dataSource: DataSource | undefined;
  let queue: Queue | undefined;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
  });

  afterAll(async () => {
    await queue?.close().catch(() => undefined);
    await stop(worker, 2_000);
    await dataSource?.destroy();
    await redis.stop();
    await dropDatabase(database);
  });

  it('should keep sweeping while Redis is down mid-burst, take jobs again after, and end on SIGTERM', async () => {
    const run = runEntry(
      'worker',
      scaleOutEnv(database, {
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redis.port),
        HOLD_SWEEP_INTERVAL_SECONDS: String(SWEEP_INTERVAL_SECONDS),
        SHUTDOWN_TIMEOUT_SECONDS: '5',
        LOG_LEVEL: 'info',
      }),
    );
    worker = run;
    const started = await pollUntil(
      () => (logEvents(run.output(), 'worker.started').length > 0 ? true : undefined),
      Date.now() + 90_000,
      100,
    );
    expect({ started, output: started ? '' : run.output().slice(-2000) }).toEqual({
      started: true,
      output: '',
    });

    const db = await openDatabase(database);
    dataSource = db;
    const product = await createProduct(db, { totalStock: 1_000, availableStock: 1_000 });
    const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
    const prefix = queuePrefix(database, (await DatabaseIdentity.read(db)).id);

    for (let outage = 0; outage < OUTAGES; outage++) {
      const jobs = new Queue(HOLD_EXPIRY_QUEUE, { connection, prefix });
      queue = jobs;
      // A burst of due jobs, as after a pause of the worker: their holds are gone or released
      // already, so each one is a quick no-op, and the worker fetches the next at once.
      await jobs.addBulk(
        Array.from({ length: DUE_JOBS }, (_, index) => ({
          name: EXPIRE_HOLD_JOB,
          data: { holdIds: [1_000_000 + index] },
          opts: { jobId: `burst-${outage}-${index}`, removeOnComplete: true, removeOnFail: true },
        })),
      );
      // Redis goes away while the worker is taking them.
      const taking = await pollUntil(async () => {
        const counts = await jobs.getJobCounts('wait');
        return counts.wait < DUE_JOBS - 50 ? counts.wait : undefined;
      }, Date.now() + 60_000);
      expect(taking).toBeGreaterThan(0);
      await jobs.close();
      queue = undefined;
      await redis.stop();

      // Holds that expire during the outage: the sweeper releases them, round after round.
      // Three rounds keep Redis down past the worker's retry of its fetch (BullMQ's
      // runRetryDelay, 1 s), the fetch that used to start the loop.
      for (let round = 0; round < 3; round++) {
        const past = new Date(Date.now() - 60_000);
        const hold = await insertHold(db, {
          productId: product.id,
          quantity: 1,
          holdExpiresAt: past,
          createdAt: past,
        });
        const released = await pollUntil(async () => {
          const [row] = await loadHolds(db, [hold.id]);
          return row.releasedAt ? true : undefined;
        }, Date.now() + 20_000);
        expect({ outage, round, released, output: released ? '' : run.output().slice(-3000) }).toEqual({
          outage,
          round,
          released: true,
          output: '',
        });
      }

      // Redis comes back (empty): the connection reconnects (its timer fires) and the worker
      // takes jobs again: a new one releases its hold, before the sweeper would.
      const recoveredBefore = logEvents(run.output(), 'redis.recovered').length;
      await redis.start();
      const recovered = await pollUntil(
        () => (logEvents(run.output(), 'redis.recovered').length > recoveredBefore ? true : undefined),
        Date.now() + 20_000,
      );
      expect({ outage, recovered }).toEqual({ outage, recovered: true });
      const due = await insertHold(db, {
        productId: product.id,
        quantity: 1,
        holdExpiresAt: new Date(Date.now() + 1_000),
      });
      const next = new Queue(HOLD_EXPIRY_QUEUE, { connection, prefix });
      queue = next;
      await next.add(EXPIRE_HOLD_JOB, { holdIds: [due.id] }, { jobId: `due-${due.id}`, delay: 1_000 });
      await next.close();
      queue = undefined;
      const source = await pollUntil(() => {
        const releases = logEvents(run.output(), 'hold.released').filter((event) => event.hold_id === due.id);
        return releases[0]?.source;
      }, Date.now() + 20_000);
      expect({ outage, source }).toEqual({ outage, source: 'job' });
    }

    // And SIGTERM ends it by itself, exit 0, without its own deadline forcing it.
    run.child.kill('SIGTERM');
    const ended = await Promise.race([
      run.exited,
      new Promise<'killed'>((resolve) =>
        setTimeout(() => {
          run.child.kill('SIGKILL');
          resolve('killed');
        }, 15_000),
      ),
    ]);
    expect(ended).toEqual({ code: 0, signal: null });
    expect(logEvents(run.output(), 'app.shutdown_deadline')).toEqual([]);
  }, 300_000);
});

import { cleanEnv, runEntry, sparePort, stop, waitForAnswer } from '../utils/embedded';
import type { ChildRun } from '../utils/embedded';
import { RedisServer } from '../utils/redis-server';
import { dropDatabase, TEST_DB, uniqueDatabaseName } from '../utils/test-env';

/**
 * SIGTERM always ends the process, with exit 0, within SHUTDOWN_TIMEOUT_SECONDS: here with
 * the process's Redis (a server of this suite's own) stopped, where BullMQ's worker close,
 * and @nestjs/bullmq's second close after ours, would otherwise wait forever.
 */
describe('Shutdown bound (e2e)', () => {
  const database = uniqueDatabaseName();
  let redis: RedisServer;
  let run: ChildRun | undefined;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
  });

  afterAll(async () => {
    await stop(run);
    await redis.stop();
    await dropDatabase(database);
  });

  it('should exit 0 within SHUTDOWN_TIMEOUT_SECONDS of SIGTERM while Redis is down', async () => {
    const port = await sparePort();
    run = runEntry(
      'main',
      cleanEnv({
        DB_TYPE: TEST_DB.type,
        DB_HOST: TEST_DB.host,
        DB_PORT: String(TEST_DB.port),
        DB_USERNAME: TEST_DB.user,
        DB_PASSWORD: TEST_DB.password,
        DB_DATABASE: database,
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redis.port),
        PORT: String(port),
        SHUTDOWN_TIMEOUT_SECONDS: '5',
        LOG_LEVEL: 'info',
      }),
    );
    expect(
      await waitForAnswer(`http://127.0.0.1:${port}/api/products/1`, run, Date.now() + 90_000),
    ).toBeDefined();

    await redis.stop();
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;

    expect(code).toBe(0);
    // The bound, plus the time a loaded machine takes to start the exit.
    expect(Date.now() - signalledAt).toBeLessThan(5_000 + 3_000);
  }, 150_000);
});

import { RedisServer } from '../utils/redis-server';
import { TcpProxy } from '../utils/tcp-proxy';
import { createTestApp, TestApp } from '../utils/test-app';
import { TEST_DB } from '../utils/test-env';

/** GET /health with everything up, Redis down (degraded, still 200), the database down (503). */
describe('GET /health (e2e)', () => {
  const database = new TcpProxy(TEST_DB.host, TEST_DB.port);
  let redis: RedisServer;
  let t: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.onSparePort();
    await redis.start();
    t = await createTestApp({ DB_PORT: String(await database.start()), REDIS_PORT: String(redis.port) });
  });

  afterAll(async () => {
    await database.start(database.port);
    await redis.start();
    await t.close();
    await database.stop();
    await redis.stop();
  });

  it('should answer 200 ok with the database and Redis up, outside the /api prefix', async () => {
    const response = await t.http.get('/health').expect(200);

    expect(response.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up', store: 'redis' } },
      error: {},
    });
    await t.http.get('/api/health').expect(404);
  });

  it('should answer 200 degraded while Redis is down, and ok again when it returns', async () => {
    await redis.stop();

    const started = Date.now();
    const response = await t.http.get('/health').expect(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.body).toMatchObject({
      status: 'degraded',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down', store: 'redis' } },
    });

    await redis.start();
    await expect(waitForBody(t, (body) => body.status === 'ok')).resolves.toBe(true);
  });

  it('should answer 503 while the database is down, and 200 again when it returns', async () => {
    await database.stop();

    const started = Date.now();
    const response = await t.http.get('/health').expect(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(response.body).toMatchObject({
      status: 'error',
      info: { redis: { status: 'up' } },
      error: { database: { status: 'down' } },
    });

    await database.start(database.port);
    await expect(waitForBody(t, (body) => body.status === 'ok')).resolves.toBe(true);
  });
});

async function waitForBody(
  t: TestApp,
  accept: (body: { status: string }) => boolean,
  timeoutMs = 15_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (accept((await t.http.get('/health')).body)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

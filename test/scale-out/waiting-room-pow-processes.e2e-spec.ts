import type { Challenge } from 'altcha-lib/v1/types';
import Redis from 'ioredis';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { solve } from '../utils/altcha';
import { createTestApp, TestApp } from '../utils/test-app';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';

/**
 * Two API instances on one database and one Redis, with the queue token secret the database
 * generated (QUEUE_TOKEN_SECRET unset): a challenge either issues verifies on the other, and a
 * solution spent on one is refused on the other.
 */
describe('Waiting room proof of work across two API processes (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let product: number;

  beforeAll(async () => {
    const settings = { ADMIN_API_TOKEN: TOKEN, QUEUE_TOKEN_SECRET: '', QUEUE_POW_MAX_NUMBER: '1000' };
    a = await createTestApp(settings);
    b = await createTestApp({ ...settings, DB_DATABASE: a.databaseName });
    const created = await a.http
      .post('/api/admin/products')
      .set({ Authorization: `Bearer ${TOKEN}` })
      .send({ name: 'Drop', price: '10.00', total_stock: 100, max_per_customer: 1, queue_enabled: true })
      .expect(201);
    product = created.body.data.id as number;
  });

  afterAll(async () => {
    await b.close({ keepDatabase: true });
    await a.close();
    Object.assign(process.env, { QUEUE_POW_MAX_NUMBER: '0' });
  });

  const challenge = async (app: TestApp) =>
    (await app.http.get(`/api/products/${product}/queue/challenge`).expect(200)).body as Challenge;
  const join = (app: TestApp, customer: string, altcha: string) =>
    app.http.post(`/api/products/${product}/queue`).send({ customer_id: customer, altcha });

  it("should join on one process with the other's challenge, and refuse the replay on the other", async () => {
    const issued = await challenge(b);
    const altcha = await solve(issued);
    await join(a, 'first', altcha).expect(201);
    const replay = await join(b, 'second', altcha).expect(403);
    expect(replay.body.code).toBe('POW_INVALID');

    // Spent in Redis under the database's namespace, until the challenge's expiry at most.
    const redis = new Redis({
      host: process.env.REDIS_HOST || '127.0.0.1',
      port: Number(process.env.REDIS_PORT || 6379),
    });
    try {
      const key = `${a.databaseName}:${a.app.get(DatabaseIdentity).id}:queue-pow:${issued.challenge}`;
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    } finally {
      redis.disconnect();
    }
  });

  it('should let one of four buyers racing with one solution on the two processes in', async () => {
    const altcha = await solve(await challenge(a));
    const answers = await Promise.all([
      join(a, 'racer-1', altcha),
      join(b, 'racer-2', altcha),
      join(a, 'racer-3', altcha),
      join(b, 'racer-4', altcha),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403, 403, 403]);
  });
});

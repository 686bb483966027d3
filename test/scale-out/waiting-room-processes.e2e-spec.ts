import Redis from 'ioredis';
import { pollUntil } from '../utils/poll';
import { closeTestAppPair, createTestAppPair, TestApp } from '../utils/test-app';
import { createQueuedProduct } from '../utils/waiting-room';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';

interface Ticket {
  ticket_id: string;
  status: string;
  position: number;
  admission_expires_at: string | null;
}

/**
 * Two API instances on one database and one Redis share one line: admission is decided once
 * for the deployment (Lua scripts), in order and within the rate together. And what a Redis
 * restart (its data gone) does to the line.
 */
describe('Waiting room across two API processes (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await createTestAppPair({ ADMIN_API_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await closeTestAppPair(a, b);
  });

  const createProduct = (body: Record<string, unknown>) => createQueuedProduct(a, TOKEN, body);

  it('should admit a prefix of the line at any moment, never over the rate, with two processes', async () => {
    const product = await createProduct({ queue_admit_per_minute: 240 });
    const tickets: Ticket[] = [];
    for (let i = 0; i < 8; i++) {
      const app = i % 2 === 0 ? a : b;
      tickets.push(
        (
          await app.http
            .post(`/api/products/${product.id}/queue`)
            .send({ customer_id: `c${i}` })
            .expect(201)
        ).body.data,
      );
    }
    expect(tickets.map((ticket) => ticket.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    let last: Ticket[] = [];
    await pollUntil(async () => {
      last = await Promise.all(
        tickets.map(async (ticket, index) => {
          const app = index % 2 === 0 ? b : a;
          return (await app.http.get(`/api/products/${product.id}/queue/${ticket.ticket_id}`).expect(200))
            .body.data as Ticket;
        }),
      );
      // A prefix: no ticket admitted while one before it still waits.
      const firstWaiting = last.findIndex((ticket) => ticket.status === 'waiting');
      if (firstWaiting >= 0) {
        expect(last.slice(firstWaiting).every((ticket) => ticket.status === 'waiting')).toBe(true);
      }
      return firstWaiting === -1 ? true : undefined;
    }, Date.now() + 10_000);
    expect(last.every((ticket) => ticket.status === 'admitted')).toBe(true);
    // 240 a minute: one slot every 250 ms, in line order, whichever process decided.
    const times = last.map((ticket) => Date.parse(ticket.admission_expires_at!));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(249);
  });

  it('should forget the line when Redis loses its data, and let buyers join again', async () => {
    const product = await createProduct({ total_stock: 0 });
    await a.http
      .patch(`/api/admin/products/${product.id}`)
      .set({ Authorization: `Bearer ${TOKEN}` })
      .send({ queue_admit_per_minute: 1 });
    const joined = (
      await a.http.post(`/api/products/${product.id}/queue`).send({ customer_id: 'x' }).expect(201)
    ).body.data as Ticket;

    // As after a restart of a Redis without persistence: the line's keys are gone.
    const redis = new Redis({
      host: process.env.REDIS_HOST || '127.0.0.1',
      port: Number(process.env.REDIS_PORT || 6379),
    });
    try {
      const keys = await redis.keys(`{${a.databaseName}:*:queue:${product.id}}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }

    const gone = await b.http.get(`/api/products/${product.id}/queue/${joined.ticket_id}`).expect(404);
    expect(gone.body.code).toBe('TICKET_NOT_FOUND');
    const again = await b.http
      .post(`/api/products/${product.id}/queue`)
      .send({ customer_id: 'x' })
      .expect(201);
    expect(again.body.data.ticket_id).not.toBe(joined.ticket_id);
    expect(again.body.data.position).toBe(1);
  });
});

import Redis from 'ioredis';
import { DatabaseIdentity } from '../../src/database/database-identity';
import { AdmissionTicker } from '../../src/queue/admission-ticker';
import { lineEventsChannel } from '../../src/queue/line-events/line-events';
import { TicketStreamHub } from '../../src/queue/stream/ticket-stream.hub';
import { SseClient } from '../utils/sse-client';
import { closeTestAppPair, createTestAppPair, TestApp } from '../utils/test-app';
import { createQueuedProduct } from '../utils/waiting-room';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';

interface Ticket {
  ticket_id: string;
  status: string;
  admission_token: string | null;
}

const ticketsOf = (client: SseClient) =>
  client.events.filter((event) => event.event === 'queue').map((event) => event.data as unknown as Ticket);

/**
 * Ticket streams across two API processes sharing one database and one Redis: a line event
 * published by one process's ticker reaches the streams of the other (Redis pub/sub), and a
 * resync after which the ticket is gone (Redis lost the line) ends the stream.
 */
describe('Waiting room ticket streams across two API processes (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    [a, b] = await createTestAppPair({ ADMIN_API_TOKEN: TOKEN });
    // Only A decides: what B's stream shows came from A's ticker through Redis.
    await b.app.get(AdmissionTicker).onModuleDestroy();
  });

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await closeTestAppPair(a, b);
  });

  const createProduct = (body: Record<string, unknown>) => createQueuedProduct(a, TOKEN, body);

  const open = (app: TestApp, productId: number, ticketId: string) => {
    const client = new SseClient(`${app.url}/api/products/${productId}/queue/${ticketId}/stream`);
    clients.push(client);
    return client;
  };

  it("should deliver to a stream on B the admission A's ticker decided, with a token B's holds accept", async () => {
    const product = await createProduct({
      sale_starts_at: new Date(Date.now() + 3_600_000).toISOString(),
      queue_admit_per_minute: 120,
    });
    const joined = (
      await a.http
        .post(`/api/products/${product.id}/queue`)
        .send({ customer_id: 'streamed-on-b' })
        .expect(201)
    ).body.data as Ticket;
    const client = open(b, product.id, joined.ticket_id);
    await client.waitFor((c) => ticketsOf(c).at(-1)?.status === 'prequeue');
    await a.http
      .patch(`/api/admin/products/${product.id}`)
      .set({ Authorization: `Bearer ${TOKEN}` })
      .send({ sale_starts_at: new Date(Date.now() - 1_000).toISOString() })
      .expect(200);
    await client.waitFor((c) => ticketsOf(c).at(-1)?.status === 'admitted', 5_000, 'the admission on B');
    const admitted = ticketsOf(client).at(-1)!;
    const read = await a.http.get(`/api/products/${product.id}/queue/${joined.ticket_id}`).expect(200);
    expect(admitted).toEqual(read.body.data);
    await b.http
      .post('/api/holds')
      .set('Admission-Token', admitted.admission_token!)
      .send({ product_id: product.id, quantity: 1 })
      .expect(201);
  });

  it('should end a stream whose ticket Redis no longer has once told to read again (resync)', async () => {
    const product = await createProduct({ total_stock: 0, queue_admit_per_minute: 1 });
    // Never sold out meanwhile: A's ticker is stopped too for this test.
    await a.app.get(AdmissionTicker).onModuleDestroy();
    const joined = (
      await a.http.post(`/api/products/${product.id}/queue`).send({ customer_id: 'forgotten' }).expect(201)
    ).body.data as Ticket;
    const client = open(b, product.id, joined.ticket_id);
    await client.waitFor((c) => ticketsOf(c).length === 1);

    const redis = new Redis({
      host: process.env.REDIS_HOST || '127.0.0.1',
      port: Number(process.env.REDIS_PORT || 6379),
    });
    try {
      const keys = await redis.keys(`{${a.databaseName}:*:queue:${product.id}}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      // What a process publishes once Redis is back after an outage.
      const prefix = a.databaseName;
      const channel = lineEventsChannel(prefix, a.app.get(DatabaseIdentity).id);
      expect(await redis.publish(channel, 'some-other-process resync')).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
    await client.closed;
    expect(b.app.get(TicketStreamHub).size).toBe(0);
  });
});

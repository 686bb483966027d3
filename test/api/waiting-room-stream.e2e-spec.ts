import { randomBytes } from 'node:crypto';
import { TicketStreamHub } from '../../src/queue/stream/ticket-stream.hub';
import { ProductStreamHub } from '../../src/stream/product-stream.hub';
import { pollUntil, sleep } from '../utils/poll';
import { head, SseClient } from '../utils/sse-client';
import { createTestApp, TestApp } from '../utils/test-app';
import { createQueuedProduct } from '../utils/waiting-room';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';
const HOUR_MS = 3_600_000;
let buyers = 0;
const buyer = () => `stream-buyer-${++buyers}-${randomBytes(4).toString('hex')}`;

interface Ticket {
  ticket_id: string;
  product_id: number;
  customer_id: string | null;
  status: string;
  position: number | null;
  ahead: number | null;
  estimated_wait_seconds: number | null;
  admission_token: string | null;
  admission_expires_at: string | null;
}

/** The `queue` events a client received, their data as tickets. */
function tickets(client: SseClient): Ticket[] {
  return client.events
    .filter((event) => event.event === 'queue')
    .map((event) => event.data as unknown as Ticket);
}

function lastTicket(client: SseClient): Ticket | undefined {
  return tickets(client).at(-1);
}

function untilStatus(client: SseClient, status: string, timeoutMs = 5_000): Promise<void> {
  return client.waitFor((c) => lastTicket(c)?.status === status, timeoutMs, `status ${status}`);
}

/** Helpers on one app: products, joins, reads and ticket streams (closed after each test). */
function helpersFor(app: () => TestApp) {
  const clients: SseClient[] = [];
  const auth = { Authorization: `Bearer ${TOKEN}` };
  return {
    clients,
    auth,
    createProduct: (body: Record<string, unknown>) => createQueuedProduct(app(), TOKEN, body),
    join: async (productId: number, customerId = buyer()) =>
      (
        await app()
          .http.post(`/api/products/${productId}/queue`)
          .send({ customer_id: customerId })
          .expect(201)
      ).body.data as Ticket,
    read: async (productId: number, ticketId: string) =>
      (await app().http.get(`/api/products/${productId}/queue/${ticketId}`).expect(200)).body.data as Ticket,
    url: (productId: number | string, ticketId: string) =>
      `${app().url}/api/products/${productId}/queue/${ticketId}/stream`,
    open: (url: string, headers?: Record<string, string>) => {
      const client = new SseClient(url, headers);
      clients.push(client);
      return client;
    },
  };
}

/** GET /api/products/:id/queue/:ticket_id/stream: a ticket's live state (both modes). */
describe('Waiting room ticket streams (e2e)', () => {
  let t: TestApp;
  const h = helpersFor(() => t);

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN, STREAM_MAX_PER_CLIENT: '1000' });
  });

  afterEach(() => {
    h.clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await t.close();
  });

  it('should start with retry, the stream headers and the ticket exactly as its read shows it', async () => {
    const product = await h.createProduct({ sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString() });
    const ticket = await h.join(product.id);
    const client = h.open(h.url(product.id, ticket.ticket_id));
    await client.waitFor((c) => tickets(c).length === 1, 5_000, 'the first event');

    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache');
    expect(client.retry).toBeGreaterThanOrEqual(2_000);
    expect(client.retry).toBeLessThanOrEqual(5_000);
    expect(client.events[0].id).toBeGreaterThan(0);
    const read = await h.read(product.id, ticket.ticket_id);
    expect(tickets(client)[0]).toEqual(read);
    expect(read).toMatchObject({ status: 'prequeue', customer_id: null });
    expect(t.app.get(TicketStreamHub).size).toBe(1);
  });

  it('should lower ahead as tickets before it are admitted, then send the admission at once, whose token holds', async () => {
    // One admission a second, and at most one unused admission outstanding (1 unit... per buyer).
    const product = await h.createProduct({
      total_stock: 10,
      queue_admit_per_minute: 60,
      sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString(),
    });
    const line = [await h.join(product.id), await h.join(product.id), await h.join(product.id)];
    // Every ticket streamed: present, so none is skipped.
    const streams = line.map((ticket) => h.open(h.url(product.id, ticket.ticket_id)));
    await Promise.all(streams.map((client) => client.waitFor((c) => tickets(c).length === 1)));
    await t.http
      .patch(`/api/admin/products/${product.id}`)
      .set(h.auth)
      .send({ sale_starts_at: new Date(Date.now() - 1_000).toISOString() })
      .expect(200);

    // The draw orders the line: the one it placed last (position 3) watches both others go first.
    await Promise.all(streams.map((client) => untilStatus(client, 'admitted', 10_000)));
    const lastPlaced = streams.findIndex((client) => lastTicket(client)!.position === 3);
    expect(lastPlaced).toBeGreaterThanOrEqual(0);
    const third = streams[lastPlaced];
    const seen = tickets(third);
    // prequeue, then waiting with 2 or fewer ahead, never growing, down to 0, then admitted.
    const waiting = seen.filter((ticket) => ticket.status === 'waiting').map((ticket) => ticket.ahead!);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((ahead, i) => ahead <= 2 && (i === 0 || ahead <= waiting[i - 1]))).toBe(true);
    expect(waiting).toContain(0);
    const admitted = lastTicket(third)!;
    expect(admitted.admission_token).toEqual(expect.any(String));
    expect(admitted).toEqual(await h.read(product.id, line[lastPlaced].ticket_id));

    const hold = await t.http
      .post('/api/holds')
      .set('Admission-Token', admitted.admission_token!)
      .send({ product_id: product.id, quantity: 1 })
      .expect(201);
    expect(hold.body.data.product_id).toBe(product.id);
  });

  it('should send sold_out when the last unit goes and nothing can come back', async () => {
    const product = await h.createProduct({ total_stock: 1, queue_admit_per_minute: 1_000_000 });
    const first = await h.join(product.id);
    const second = await h.join(product.id);
    const client = h.open(h.url(product.id, second.ticket_id));
    await client.waitFor((c) => lastTicket(c)?.status === 'waiting');
    // The one unit goes (written off): no hold or order can give it back.
    await t.http.post(`/api/admin/products/${product.id}/stock`).set(h.auth).send({ delta: -1 }).expect(200);
    await untilStatus(client, 'sold_out', 3_000);
    expect(lastTicket(client)).toMatchObject({ ahead: 0, estimated_wait_seconds: 0, admission_token: null });
    expect(first.status).toBe('waiting');
  });

  it('should send expired when the queue is disabled', async () => {
    const product = await h.createProduct({ sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString() });
    const ticket = await h.join(product.id);
    const client = h.open(h.url(product.id, ticket.ticket_id));
    await client.waitFor((c) => lastTicket(c)?.status === 'prequeue');
    await t.http
      .patch(`/api/admin/products/${product.id}`)
      .set(h.auth)
      .send({ queue_enabled: false })
      .expect(200);
    await untilStatus(client, 'expired', 2_000);
    expect(lastTicket(client)).toEqual(await h.read(product.id, ticket.ticket_id));
  });

  it('should answer HEAD at once with the stream headers, holding nothing', async () => {
    const product = await h.createProduct({});
    const ticket = await h.join(product.id);
    const answer = await head(h.url(product.id, ticket.ticket_id));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(t.app.get(TicketStreamHub).size).toBe(0);
  });

  it('should refuse an unknown product, an unknown or malformed ticket and a bad id before any stream', async () => {
    const product = await h.createProduct({});
    const ticket = await h.join(product.id);
    const cases: Array<[string, number, string]> = [
      [h.url(999_999_999, ticket.ticket_id), 404, 'PRODUCT_NOT_FOUND'],
      [h.url(999_999_999, 'bad'), 404, 'PRODUCT_NOT_FOUND'],
      [h.url(product.id, 'A'.repeat(24)), 404, 'TICKET_NOT_FOUND'],
      [h.url(product.id, 'not*a*ticket'), 404, 'TICKET_NOT_FOUND'],
      [h.url('abc', ticket.ticket_id), 400, 'INVALID_ID'],
    ];
    for (const [url, status, code] of cases) {
      const client = h.open(url);
      await client.closed;
      expect(client.status).toBe(status);
      expect(client.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(client.body)).toMatchObject({ status: 'error', code });
    }
    expect(t.app.get(TicketStreamHub).size).toBe(0);
  });
});

describe('Waiting room ticket streams: presence (e2e)', () => {
  let t: TestApp;
  const h = helpersFor(() => t);

  beforeAll(async () => {
    // 2 s, not 1: an open stream refreshes presence every third of it, and a loaded machine can
    // stall the event loop past a 333 ms refresh's whole margin.
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN, QUEUE_ABANDON_SECONDS: '2' });
  });

  afterAll(async () => {
    h.clients.splice(0).forEach((client) => client.close());
    await t.close();
  });

  it('should admit a ticket that is only streamed, never polled, and skip one neither polled nor streamed', async () => {
    const product = await h.createProduct({ sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString() });
    const gone = await h.join(product.id);
    const streamed = await h.join(product.id);
    const client = h.open(h.url(product.id, streamed.ticket_id));
    await client.waitFor((c) => tickets(c).length === 1);
    // Well past QUEUE_ABANDON_SECONDS since either ticket was last read.
    await sleep(3_000);
    await t.http
      .patch(`/api/admin/products/${product.id}`)
      .set(h.auth)
      .send({ sale_starts_at: new Date(Date.now() - 1_000).toISOString() })
      .expect(200);
    await untilStatus(client, 'admitted', 5_000);
    // The draw may place it after the streamed one: its turn comes at its own slot, a tick or
    // more later. A read would be presence, so wait on the summary for the line to empty.
    const emptied = await pollUntil(async () => {
      const summary = (await t.http.get(`/api/products/${product.id}/queue`).expect(200)).body.data;
      return summary.waiting === 0 ? summary : undefined;
    }, Date.now() + 5_000);
    expect(emptied).toMatchObject({ waiting: 0, admitted: 1 });
    expect((await h.read(product.id, gone.ticket_id)).status).toBe('expired');
  });
});

describe('Waiting room ticket streams: limits shared with the stock streams, and shutdown (e2e)', () => {
  let t: TestApp;
  const h = helpersFor(() => t);

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN, STREAM_MAX_PER_CLIENT: '2' });
  });

  afterAll(async () => {
    h.clients.splice(0).forEach((client) => client.close());
    await t.close();
  });

  it('should count ticket and stock streams together toward STREAM_MAX_PER_CLIENT, and end on shutdown', async () => {
    const product = await h.createProduct({});
    const ticket = await h.join(product.id);
    const stockUrl = `${t.url}/api/products/${product.id}/stream`;
    const stock = h.open(stockUrl);
    const mine = h.open(h.url(product.id, ticket.ticket_id));
    await stock.waitFor((c) => c.events.length === 1);
    await mine.waitFor((c) => tickets(c).length === 1);

    for (const url of [stockUrl, h.url(product.id, ticket.ticket_id)]) {
      const refused = h.open(url);
      await refused.closed;
      expect(refused.status).toBe(200);
      expect(refused.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(refused.retry).toBeGreaterThanOrEqual(2_000);
      expect(refused.events).toEqual([
        expect.objectContaining({ event: 'busy', data: { code: 'SERVICE_BUSY' } }),
      ]);
      const json = h.open(url, { accept: 'application/json' });
      await json.closed;
      expect(json.status).toBe(503);
      expect(json.headers['retry-after']).toBeDefined();
      expect(JSON.parse(json.body)).toMatchObject({ status: 'error', code: 'SERVICE_BUSY' });
    }
    expect(t.app.get(TicketStreamHub).size).toBe(1);
    expect(t.app.get(ProductStreamHub).size).toBe(1);

    // A ticket stream gone frees its slot for a stock stream.
    mine.close();
    await mine.closed;
    let again: SseClient | undefined;
    for (let attempt = 0; attempt < 50 && again?.status !== 200; attempt++) {
      again = h.open(stockUrl);
      await again.opened;
      if (again.status !== 200) await again.closed;
    }
    expect(again?.status).toBe(200);
    again!.close();
    await again!.closed;

    const last = h.open(h.url(product.id, ticket.ticket_id));
    await last.waitFor((c) => tickets(c).length === 1);
    await t.close();
    await last.closed;
    expect(last.ended).toBe(true);
    t = { close: () => Promise.resolve() } as unknown as TestApp;
  });
});

import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { seriesValue as series } from '../utils/exposition';
import { LogCapture, LogLine } from '../utils/log-capture';
import { pollUntil, sleep } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

const ADMIN = 'admin-token-for-e2e-0123456789abcdef';
const SCRAPE = 'prometheus-scrape-token-0123456789abcdef';
const HOUR_MS = 3_600_000;
let buyers = 0;
const buyer = () => `seen-buyer-${++buyers}-${process.pid}`;

interface Ticket {
  ticket_id: string;
  status: string;
}

/**
 * What an operator sees of the waiting room (issue 24, "Seen"): the queue.* log events with
 * what they need and never a ticket id (the bearer of a place) nor a buyer's id, and the
 * flash_sale_queue_* series on GET /metrics, in both modes.
 */
describe('Waiting room logs and metrics (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;
  const ticketIds: string[] = [];
  const customerIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(
      {
        ADMIN_API_TOKEN: ADMIN,
        METRICS_TOKEN: SCRAPE,
        QUEUE_TOKEN_SECRET: 'queue-token-secret-for-e2e-0123456789',
        QUEUE_ABANDON_SECONDS: '1',
        LOG_LEVEL: 'info',
      },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  const auth = { Authorization: `Bearer ${ADMIN}` };
  const createProduct = async (body: Record<string, unknown>) =>
    (
      await t.http
        .post('/api/admin/products')
        .set(auth)
        .send({ name: 'Drop', price: '10.00', total_stock: 10, max_per_customer: 1, ...body })
        .expect(201)
    ).body.data as { id: number };
  const patch = (id: number, body: Record<string, unknown>) =>
    t.http.patch(`/api/admin/products/${id}`).set(auth).send(body).expect(200);
  const join = async (id: number) => {
    const customer = buyer();
    const ticket = (
      await t.http.post(`/api/products/${id}/queue`).send({ customer_id: customer }).expect(201)
    ).body.data as Ticket;
    customerIds.push(customer);
    ticketIds.push(ticket.ticket_id);
    return ticket;
  };
  const read = async (id: number, ticketId: string) =>
    (await t.http.get(`/api/products/${id}/queue/${ticketId}`).expect(200)).body.data as Ticket;
  const untilStatus = (id: number, ticketId: string, status: string, withinMs = 5_000) =>
    pollUntil(
      async () => ((await read(id, ticketId)).status === status ? true : undefined),
      Date.now() + withinMs,
    );
  const scrape = async () =>
    (await t.http.get('/metrics').set('Authorization', `Bearer ${SCRAPE}`).expect(200)).text;
  const untilSeries = (name: string, labels: Record<string, string | number>, value: number | undefined) =>
    pollUntil(
      async () => (series(await scrape(), name, labels) === value ? true : undefined),
      Date.now() + 10_000,
    );
  const queueEvent = (event: string, productId: number, extra: (line: LogLine) => boolean = () => true) =>
    logs.waitFor((line) => line.event === event && line.product_id === productId && extra(line), 3_000);

  it('should log and count joins, the pre-queue waiting, and a disabled queue expiring its tickets', async () => {
    const product = await createProduct({
      queue_enabled: true,
      sale_starts_at: new Date(Date.now() + HOUR_MS),
    });
    for (let i = 0; i < 3; i++) await join(product.id);

    const joined = logs.events('queue.joined').filter((line) => line.product_id === product.id);
    expect(joined).toHaveLength(3);
    for (const line of joined) {
      expect(line).toMatchObject({ level: 'info', status: 'prequeue', position: null });
    }
    // The ticker's pass reports the shared line's size.
    expect(await untilSeries('flash_sale_queue_waiting', { product_id: product.id }, 3)).toBe(true);

    await patch(product.id, { queue_enabled: false });
    expect(await queueEvent('queue.expired', product.id)).toMatchObject({
      level: 'info',
      tickets: 3,
      reason: 'queue_disabled',
    });
    const text = await scrape();
    expect(
      series(text, 'flash_sale_queue_expired_total', { product_id: product.id, reason: 'queue_disabled' }),
    ).toBe(3);
    // A product no longer queued drops its series rather than showing a stale count.
    expect(await untilSeries('flash_sale_queue_waiting', { product_id: product.id }, undefined)).toBe(true);
  });

  it('should log and count admissions with their lag, and abandoned tickets, once each', async () => {
    const product = await createProduct({
      queue_enabled: true,
      queue_admit_per_minute: 1_000_000,
      sale_starts_at: new Date(Date.now() + HOUR_MS),
    });
    const gone = await join(product.id);
    const present = await join(product.id);
    // The present buyer keeps reading (every 50 ms, until admitted) past QUEUE_ABANDON_SECONDS;
    // the other is not seen again. Reading from now on, not in rounds before the start moves,
    // leaves no gap a loaded machine could stretch past the 1 s and get it skipped as well.
    const presentAdmitted = untilStatus(product.id, present.ticket_id, 'admitted', 15_000);
    await sleep(1_600);
    const before = await scrape();
    await patch(product.id, { sale_starts_at: new Date(Date.now() - 1_000) });
    expect(await presentAdmitted).toBe(true);
    // Not read again until skipped: a read is presence, and would save it.
    expect(await queueEvent('queue.expired', product.id)).toMatchObject({ tickets: 1, reason: 'abandoned' });
    expect((await read(product.id, gone.ticket_id)).status).toBe('expired');

    const admitted = await queueEvent('queue.admitted', product.id);
    expect(admitted).toMatchObject({
      level: 'info',
      position: expect.any(Number),
      admission_expires_at: expect.any(String),
      lag_ms: expect.any(Number),
    });
    expect(admitted.lag_ms).toBeGreaterThanOrEqual(0);
    await sleep(600);
    expect(logs.events('queue.admitted').filter((line) => line.product_id === product.id)).toHaveLength(1);

    const after = await scrape();
    expect(series(after, 'flash_sale_queue_admitted_total', { product_id: product.id })).toBe(1);
    expect(
      series(after, 'flash_sale_queue_expired_total', { product_id: product.id, reason: 'abandoned' }),
    ).toBe(1);
    const observed = (text: string) => series(text, 'flash_sale_queue_admission_lag_seconds_count', {}) ?? 0;
    expect(observed(after) - observed(before)).toBe(1);
    expect(await untilSeries('flash_sale_queue_waiting', { product_id: product.id }, 0)).toBe(true);
  });

  it('should log and count tickets turned sold_out when the last unit is gone for good', async () => {
    const product = await createProduct({
      queue_enabled: true,
      total_stock: 1,
      sale_starts_at: new Date(Date.now() + HOUR_MS),
    });
    const tickets = [await join(product.id), await join(product.id)];
    await t.http.post(`/api/admin/products/${product.id}/stock`).set(auth).send({ delta: -1 }).expect(200);

    for (const ticket of tickets) {
      expect(await untilStatus(product.id, ticket.ticket_id, 'sold_out')).toBe(true);
    }
    expect(await queueEvent('queue.sold_out', product.id)).toMatchObject({ level: 'info', tickets: 2 });
    expect(series(await scrape(), 'flash_sale_queue_sold_out_total', { product_id: product.id })).toBe(2);
  });

  it('should never log a ticket id nor a buyer id in any line, the queue events included', () => {
    const events = logs.lines.filter((line) => line.event?.startsWith('queue.'));
    expect([...new Set(events.map((line) => line.event))]).toEqual(
      expect.arrayContaining(['queue.joined', 'queue.admitted', 'queue.expired', 'queue.sold_out']),
    );
    for (const line of events) {
      expect(line).toHaveProperty('product_id');
      expect(line).not.toHaveProperty('ticket_id');
      expect(line).not.toHaveProperty('customer_id');
    }
    expect(ticketIds.length).toBeGreaterThan(0);
    for (const line of logs.lines) {
      const text = JSON.stringify(line);
      for (const secret of [...ticketIds, ...customerIds]) {
        expect({ line: text, leaks: text.includes(secret) }).toEqual({
          line: text,
          leaks: false,
        });
      }
    }
  });
});

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { admissionKey, signAdmission } from '../../src/queue/admission/admission-token';
import { QueueLines } from '../../src/queue/line/queue-lines';
import { pollUntil, sleep } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';
const SECRET = 'queue-token-secret-for-e2e-0123456789';
const HOUR_MS = 3_600_000;
const ABANDON_SECONDS = 5;
/** Rounds of reads 500 ms apart that outlast ABANDON_SECONDS. */
const PAST_ABANDON_ROUNDS = ABANDON_SECONDS * 2 + 2;
const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmachex = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');
const nonce = () => randomBytes(16).toString('base64url');
let buyers = 0;
const buyer = () => `buyer-${++buyers}-${randomBytes(4).toString('hex')}`;

interface Ticket {
  ticket_id: string;
  status: string;
  position: number | null;
  ahead: number | null;
  entry_hash: string;
  admission_token: string | null;
  admission_expires_at: string | null;
}

/** The waiting room (issue 24) through HTTP, in both modes (Redis scripts / in process). */
describe('Waiting room (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      ADMIN_API_TOKEN: TOKEN,
      QUEUE_TOKEN_SECRET: SECRET,
      // Every ticket not read for this long is skipped at its turn, in every test here: 2 s let
      // a loaded machine (one slow request, one late tick) skip tickets the test meant present.
      QUEUE_ABANDON_SECONDS: String(ABANDON_SECONDS),
    });
  });

  afterAll(async () => {
    await t.close();
  });

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const createProduct = async (body: Record<string, unknown>) =>
    (
      await t.http
        .post('/api/admin/products')
        .set(auth)
        .send({ name: 'Drop', price: '10.00', total_stock: 100, max_per_customer: 2, ...body })
        .expect(201)
    ).body.data as { id: number; queue_commitment: string | null };
  const patch = (id: number, body: Record<string, unknown>) =>
    t.http.patch(`/api/admin/products/${id}`).set(auth).send(body);
  const join = (id: number, body: Record<string, unknown>) =>
    t.http.post(`/api/products/${id}/queue`).send(body);
  const read = async (id: number, ticketId: string) =>
    (await t.http.get(`/api/products/${id}/queue/${ticketId}`).expect(200)).body.data as Ticket;
  const untilStatus = (id: number, ticketId: string, status: string, withinMs = 5_000) =>
    pollUntil(async () => {
      const ticket = await read(id, ticketId);
      return ticket.status === status ? ticket : undefined;
    }, Date.now() + withinMs);

  describe('settings', () => {
    it('should show the queue settings with their defaults in the public product JSON', async () => {
      const product = await createProduct({});
      const { body } = await t.http.get(`/api/products/${product.id}`).expect(200);
      expect(body.data).toMatchObject({
        queue_enabled: false,
        queue_admit_per_minute: 600,
        queue_admission_seconds: 300,
      });

      await patch(product.id, {
        queue_enabled: true,
        queue_admit_per_minute: 60,
        queue_admission_seconds: 30,
      }).expect(200);
      const after = await t.http.get(`/api/products/${product.id}`).expect(200);
      expect(after.body.data).toMatchObject({
        queue_enabled: true,
        queue_admit_per_minute: 60,
        queue_admission_seconds: 30,
      });
    });

    it('should refuse a queue without max_per_customer and settings out of range with 422', async () => {
      const refused = await t.http
        .post('/api/admin/products')
        .set(auth)
        .send({ name: 'No limit', price: '1.00', total_stock: 5, queue_enabled: true })
        .expect(422);
      expect(refused.body).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
      const product = await createProduct({ max_per_customer: null });
      await patch(product.id, { queue_enabled: true }).expect(422);
      await patch(product.id, { queue_admit_per_minute: 0 }).expect(422);
      await patch(product.id, { queue_admit_per_minute: 1_000_001 }).expect(422);
      await patch(product.id, { queue_admission_seconds: 29 }).expect(422);
      await patch(product.id, { queue_admission_seconds: 3601 }).expect(422);
      await patch(product.id, { queue_enabled: 'yes' }).expect(422);
      const queued = await createProduct({ queue_enabled: true });
      await patch(queued.id, { max_per_customer: null }).expect(422);
    });

    it('should publish a commitment (and keep the seed secret) when enabled before a future start', async () => {
      const startsAt = new Date(Date.now() + HOUR_MS).toISOString();
      const product = await createProduct({ queue_enabled: true, sale_starts_at: startsAt });
      expect(product.queue_commitment).toMatch(/^[0-9a-f]{64}$/);
      const { body } = await t.http.get(`/api/products/${product.id}/queue`).expect(200);
      expect(body.data).toEqual({
        enabled: true,
        waiting: 0,
        admitted: 0,
        admit_per_minute: 600,
        commitment: product.queue_commitment,
        seed: null,
      });
      const early = await t.http.get(`/api/products/${product.id}/queue/draw`).expect(409);
      expect(early.body.code).toBe('DRAW_NOT_READY');

      const now = await createProduct({ queue_enabled: true });
      expect(now.queue_commitment).toBeNull();
      expect((await t.http.get(`/api/products/${now.id}/queue/draw`).expect(409)).body.code).toBe('NO_DRAW');
    });

    it('should draw a seed when a first-come queue nobody joined gets a future start', async () => {
      const product = await createProduct({ queue_enabled: true });
      expect(product.queue_commitment).toBeNull();
      const startsAt = new Date(Date.now() + HOUR_MS).toISOString();
      const patched = (await patch(product.id, { sale_starts_at: startsAt }).expect(200)).body.data;
      expect(patched.queue_commitment).toMatch(/^[0-9a-f]{64}$/);
      const summary = (await t.http.get(`/api/products/${product.id}/queue`).expect(200)).body.data;
      expect(summary.commitment).toBe(patched.queue_commitment);
      // Early joiners are now a pre-queue, drawn at the start.
      const early = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      expect(early).toMatchObject({ status: 'prequeue', position: null });
      expect((await t.http.get(`/api/products/${product.id}/queue/draw`).expect(409)).body.code).toBe(
        'DRAW_NOT_READY',
      );
    });

    it('should keep a first-come line once someone joined, whatever the start moves to', async () => {
      const product = await createProduct({ queue_enabled: true, total_stock: 0 });
      const first = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      expect(first.position).toBe(1);
      const startsAt = new Date(Date.now() + HOUR_MS).toISOString();
      const patched = (await patch(product.id, { sale_starts_at: startsAt }).expect(200)).body.data;
      expect(patched.queue_commitment).toBeNull();
      const second = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      expect(second).toMatchObject({ status: 'waiting', position: 2 });
      expect((await t.http.get(`/api/products/${product.id}/queue/draw`).expect(409)).body.code).toBe(
        'NO_DRAW',
      );
    });

    it('should keep the seed and its commitment when the start moves, the draw at the start in force', async () => {
      const product = await createProduct({
        queue_enabled: true,
        sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString(),
      });
      const later = new Date(Date.now() + 2 * HOUR_MS).toISOString();
      const moved = (await patch(product.id, { sale_starts_at: later }).expect(200)).body.data;
      expect(moved.queue_commitment).toBe(product.queue_commitment);
      const ticket = (await join(product.id, { customer_id: buyer(), nonce: nonce() }).expect(201)).body
        .data as Ticket;
      // Brought forward to now: the draw runs with the same seed.
      await patch(product.id, { sale_starts_at: new Date(Date.now() - 1000).toISOString() }).expect(200);
      const drawn = await pollUntil(async () => {
        const { status, body } = await t.http.get(`/api/products/${product.id}/queue/draw`);
        return status === 200
          ? (body.data as { seed: string; commitment: string; tickets: string[] })
          : undefined;
      }, Date.now() + 5_000);
      expect(drawn!.commitment).toBe(product.queue_commitment);
      expect(sha256hex(drawn!.seed)).toBe(product.queue_commitment);
      expect(drawn!.tickets).toEqual([ticket.entry_hash]);
    });
  });

  describe('joining', () => {
    it('should answer 201 with the ticket, then 200 with the same ticket', async () => {
      // A hold takes the only unit before the queue opens: nothing to admit, yet the unit may
      // come back, so the ticket stays waiting. (With no stock at all, the sold-out tick could
      // end it between the two joins, and a join after a final ticket rightly makes a new one.)
      const product = await createProduct({ total_stock: 1 });
      await t.http
        .post('/api/holds')
        .send({ product_id: product.id, quantity: 1, customer_id: buyer() })
        .expect(201);
      await patch(product.id, { queue_enabled: true }).expect(200);
      const customer = buyer();
      const mine = nonce();
      const first = await join(product.id, { customer_id: customer, nonce: mine }).expect(201);
      expect(first.body.data).toEqual({
        ticket_id: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
        product_id: product.id,
        customer_id: customer,
        entry_hash: sha256hex(mine),
        status: 'waiting',
        position: 1,
        ahead: 0,
        estimated_wait_seconds: expect.any(Number),
        admission_token: null,
        admission_expires_at: null,
      });
      const again = await join(product.id, { customer_id: customer }).expect(200);
      expect(again.body.data).toMatchObject({ ticket_id: first.body.data.ticket_id, status: 'waiting' });
      const readBack = await read(product.id, first.body.data.ticket_id);
      expect(readBack).toMatchObject({ ticket_id: first.body.data.ticket_id, customer_id: null });
    });

    it('should refuse what the contract refuses', async () => {
      const product = await createProduct({
        queue_enabled: true,
        sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString(),
      });
      const used = nonce();
      await join(product.id, { customer_id: buyer(), nonce: used }).expect(201);
      expect((await join(product.id, { customer_id: buyer(), nonce: used }).expect(409)).body.code).toBe(
        'NONCE_REUSED',
      );
      expect((await join(product.id, { nonce: nonce() }).expect(422)).body.code).toBe('VALIDATION_FAILED');
      await join(product.id, { customer_id: buyer(), nonce: 'short' }).expect(422);
      await join(product.id, { customer_id: buyer(), nonce: `${nonce()}!` }).expect(422);
      await join(product.id, { customer_id: buyer(), extra: 1 }).expect(422);
      expect((await join(999_999, { customer_id: buyer() }).expect(404)).body.code).toBe('PRODUCT_NOT_FOUND');
      const plain = await createProduct({});
      expect((await join(plain.id, { customer_id: buyer() }).expect(409)).body.code).toBe(
        'QUEUE_NOT_ENABLED',
      );
      const ended = await createProduct({
        queue_enabled: true,
        sale_starts_at: new Date(Date.now() - 2 * HOUR_MS).toISOString(),
        sale_ends_at: new Date(Date.now() - HOUR_MS).toISOString(),
      });
      expect((await join(ended.id, { customer_id: buyer() }).expect(409)).body.code).toBe('SALE_ENDED');
      expect(
        (await t.http.get(`/api/products/${product.id}/queue/nope-nope-nope-nope-nope`).expect(404)).body
          .code,
      ).toBe('TICKET_NOT_FOUND');
    });
  });

  describe('the draw', () => {
    it('should order a 1,000-ticket pre-queue as anyone can recompute from the revealed seed', async () => {
      const product = await createProduct({
        queue_enabled: true,
        sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString(),
      });
      const joined: Array<{
        ticket_id: string;
        entry_hash: string;
        status: string;
        position: number | null;
      }> = [];
      for (let batch = 0; batch < 10; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 100 }, () =>
            join(product.id, { customer_id: buyer(), nonce: nonce() }).expect(201),
          ),
        );
        joined.push(...answers.map((answer) => answer.body.data));
      }
      expect(joined.every((ticket) => ticket.status === 'prequeue' && ticket.position === null)).toBe(true);

      await patch(product.id, { sale_starts_at: new Date(Date.now() - 1000).toISOString() }).expect(200);
      const late = await join(product.id, { customer_id: buyer(), nonce: nonce() }).expect(201);
      expect(late.body.data.position).toBe(1001);

      const { body } = await t.http.get(`/api/products/${product.id}/queue/draw`).expect(200);
      const { seed, commitment, tickets } = body.data as {
        seed: string;
        commitment: string;
        tickets: string[];
      };
      expect(sha256hex(seed)).toBe(commitment);
      expect(commitment).toBe(product.queue_commitment);
      const recomputed = joined
        .map((ticket) => ticket.entry_hash)
        .sort((a, b) => (hmachex(seed, a) < hmachex(seed, b) ? -1 : 1));
      expect(tickets).toEqual(recomputed);
      const summary = await t.http.get(`/api/products/${product.id}/queue`).expect(200);
      expect(summary.body.data.seed).toBe(seed);
      // Each buyer finds their place from their own entry.
      const sample = joined[123];
      const mine = await read(product.id, sample.ticket_id);
      expect(mine.position).toBe(recomputed.indexOf(sample.entry_hash) + 1);
      // 1,001 joins through HTTP: about 40 s when the suite shares 2 cores at a load of 15+.
    }, 180_000);

    it('should line up tickets first come first served after the start', async () => {
      const product = await createProduct({ queue_enabled: true, total_stock: 0 });
      const positions: number[] = [];
      for (let i = 0; i < 5; i++) {
        positions.push((await join(product.id, { customer_id: buyer() }).expect(201)).body.data.position);
      }
      expect(positions).toEqual([1, 2, 3, 4, 5]);
    });
  });

  describe('admission', () => {
    it('should admit in line order, at most available_stock unused admissions, and a hold uses one', async () => {
      const product = await createProduct({
        queue_enabled: true,
        total_stock: 2,
        queue_admit_per_minute: 1_000_000,
      });
      const customers = [buyer(), buyer(), buyer(), buyer()];
      const tickets: Ticket[] = [];
      for (let i = 0; i < 4; i++) {
        tickets.push(
          (await join(product.id, { customer_id: customers[tickets.length] }).expect(201)).body.data,
        );
      }
      const first = await untilStatus(product.id, tickets[0].ticket_id, 'admitted');
      const second = await untilStatus(product.id, tickets[1].ticket_id, 'admitted');
      expect(first?.admission_token).toEqual(expect.any(String));
      expect(second).toBeDefined();
      await sleep(600);
      expect((await read(product.id, tickets[2].ticket_id)).status).toBe('waiting');
      expect((await read(product.id, tickets[2].ticket_id)).ahead).toBe(0);

      // The first buyer holds one unit with the token (the ticket's buyer: no customer_id needed).
      const hold = await t.http
        .post('/api/holds')
        .set('Admission-Token', first!.admission_token!)
        .send({ product_id: product.id, quantity: 1 })
        .expect(201);
      expect(hold.body.data.customer_id).toBe(customers[0]);
      // One unit left and one unused admission: still nobody else.
      await sleep(600);
      expect((await read(product.id, tickets[2].ticket_id)).status).toBe('waiting');
      // The unit comes back (a restock here): admission resumes in order.
      await t.http.post(`/api/admin/products/${product.id}/stock`).set(auth).send({ delta: 1 }).expect(200);
      expect(await untilStatus(product.id, tickets[2].ticket_id, 'admitted')).toBeDefined();
      expect((await read(product.id, tickets[3].ticket_id)).status).toBe('waiting');
    });

    it('should pace admissions evenly at queue_admit_per_minute', async () => {
      const product = await createProduct({ queue_enabled: true, queue_admit_per_minute: 120 });
      const tickets: Ticket[] = [];
      for (let i = 0; i < 4; i++) {
        tickets.push((await join(product.id, { customer_id: buyer() }).expect(201)).body.data);
      }
      const admitted: Ticket[] = [];
      for (const ticket of tickets) {
        admitted.push((await untilStatus(product.id, ticket.ticket_id, 'admitted', 10_000))!);
      }
      // Each admission has its slot, 60000 / 120 = 500 ms after the previous one.
      const times = admitted.map((ticket) => Date.parse(ticket.admission_expires_at!));
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(500 - 1);
    });

    it('should turn every waiting ticket sold_out within 2 s when nothing can come back', async () => {
      const product = await createProduct({ queue_enabled: true, total_stock: 0 });
      const ticket = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      expect(await untilStatus(product.id, ticket.ticket_id, 'sold_out', 2_000)).toBeDefined();
    });

    it('should skip a ticket not seen for QUEUE_ABANDON_SECONDS as expired', async () => {
      const product = await createProduct({
        queue_enabled: true,
        sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString(),
      });
      const gone = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      const present = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      for (let i = 0; i < PAST_ABANDON_ROUNDS; i++) {
        await sleep(500);
        await read(product.id, present.ticket_id);
      }
      await patch(product.id, { sale_starts_at: new Date(Date.now() - 1000).toISOString() }).expect(200);
      expect(await untilStatus(product.id, present.ticket_id, 'admitted')).toBeDefined();
      // The draw may put `gone` second: it is skipped only at its own slot, a tick or more later.
      // Reading it would count as presence, so wait on the summary (not a read) for the line to
      // empty, then read it once.
      const emptied = await pollUntil(async () => {
        const summary = (await t.http.get(`/api/products/${product.id}/queue`).expect(200)).body.data;
        return summary.waiting === 0 ? summary : undefined;
      }, Date.now() + 5_000);
      expect(emptied).toMatchObject({ waiting: 0, admitted: 1 });
      expect((await read(product.id, gone.ticket_id)).status).toBe('expired');
    });

    it('should count ahead only the tickets still waiting, after admissions and abandonment skips', async () => {
      const product = await createProduct({
        queue_enabled: true,
        total_stock: 1,
        queue_admit_per_minute: 1_000_000,
      });
      const first = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      const admitted = await untilStatus(product.id, first.ticket_id, 'admitted');
      // Its hold takes the last unit: nothing to admit, yet a unit may come back (no sold-out).
      await t.http
        .post('/api/holds')
        .set('Admission-Token', admitted!.admission_token!)
        .send({ product_id: product.id, quantity: 1 })
        .expect(201);
      const gone = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      const rest: Ticket[] = [];
      for (let i = 0; i < 3; i++) {
        rest.push((await join(product.id, { customer_id: buyer() }).expect(201)).body.data);
      }
      expect(rest.map((ticket) => ticket.ahead)).toEqual([1, 2, 3]);
      // `gone` is never read again: past QUEUE_ABANDON_SECONDS it is skipped at its turn.
      for (let i = 0; i < PAST_ABANDON_ROUNDS; i++) {
        for (const ticket of rest) await read(product.id, ticket.ticket_id);
        await sleep(500);
      }
      await t.http.post(`/api/admin/products/${product.id}/stock`).set(auth).send({ delta: 1 }).expect(200);
      expect(await untilStatus(product.id, rest[0].ticket_id, 'admitted')).toBeDefined();
      expect((await read(product.id, gone.ticket_id)).status).toBe('expired');
      const after = await Promise.all(rest.slice(1).map((ticket) => read(product.id, ticket.ticket_id)));
      expect(after.map((ticket) => [ticket.status, ticket.ahead])).toEqual([
        ['waiting', 0],
        ['waiting', 1],
      ]);
    });
  });

  describe('holding', () => {
    it('should refuse holds on a queue product without a valid, matching, unexpired token', async () => {
      const product = await createProduct({ queue_enabled: true });
      const other = await createProduct({ queue_enabled: true });
      const customer = buyer();
      const ticket = (await join(product.id, { customer_id: customer }).expect(201)).body.data as Ticket;
      const admitted = (await untilStatus(product.id, ticket.ticket_id, 'admitted'))!;
      const hold = (headers: Record<string, string>, body: Record<string, unknown>) =>
        t.http
          .post('/api/holds')
          .set(headers)
          .send({ product_id: product.id, quantity: 1, ...body });

      expect((await hold({}, { customer_id: customer }).expect(403)).body.code).toBe('ADMISSION_REQUIRED');
      const forged = `${admitted.admission_token!.slice(0, -2)}AA`;
      expect((await hold({ 'Admission-Token': forged }, {}).expect(403)).body.code).toBe('ADMISSION_INVALID');
      expect((await hold({ 'Admission-Token': 'garbage' }, {}).expect(403)).body.code).toBe(
        'ADMISSION_INVALID',
      );
      expect(
        (await hold({ 'Admission-Token': admitted.admission_token! }, { customer_id: buyer() }).expect(403))
          .body.code,
      ).toBe('ADMISSION_INVALID');
      const otherProduct = await t.http
        .post('/api/holds')
        .set('Admission-Token', admitted.admission_token!)
        .send({ product_id: other.id, quantity: 1, customer_id: customer })
        .expect(403);
      expect(otherProduct.body.code).toBe('ADMISSION_INVALID');
      const expired = signAdmission(admissionKey(SECRET), {
        productId: product.id,
        customerId: customer,
        ticketId: ticket.ticket_id,
        expiresAt: Date.now() - 1000,
      });
      expect((await hold({ 'Admission-Token': expired }, {}).expect(403)).body.code).toBe(
        'ADMISSION_EXPIRED',
      );

      const granted = await hold({ 'Admission-Token': admitted.admission_token! }, {}).expect(201);
      expect(granted.body.data.customer_id).toBe(customer);
    });

    it('should leave a product without a queue unchanged (a stray token is ignored)', async () => {
      const product = await createProduct({});
      await t.http
        .post('/api/holds')
        .send({ product_id: product.id, quantity: 1, customer_id: buyer() })
        .expect(201);
      await t.http
        .post('/api/holds')
        .set('Admission-Token', 'garbage')
        .send({ product_id: product.id, quantity: 1, customer_id: buyer() })
        .expect(201);
    });

    it('should expire every ticket and need no token once the queue is disabled', async () => {
      const product = await createProduct({ queue_enabled: true, total_stock: 1, queue_admit_per_minute: 1 });
      const first = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      const second = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      await patch(product.id, { queue_enabled: false }).expect(200);
      expect((await read(product.id, first.ticket_id)).status).toBe('expired');
      expect((await read(product.id, second.ticket_id)).status).toBe('expired');
      await t.http
        .post('/api/holds')
        .send({ product_id: product.id, quantity: 1, customer_id: buyer() })
        .expect(201);
    });

    it('should answer the disable 200 when the close after its commit fails, and close the line by the ticker', async () => {
      const product = await createProduct({ queue_enabled: true, total_stock: 1, queue_admit_per_minute: 1 });
      const ticket = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      // The line store failing for that one close (Redis away at that moment): the change is
      // committed, so the answer is still a success.
      const lines = t.app.get(QueueLines);
      const close = jest.spyOn(lines, 'close').mockRejectedValueOnce(new Error('line store away'));
      try {
        const answer = await patch(product.id, { queue_enabled: false }).expect(200);
        expect(answer.body.data.queue_enabled).toBe(false);
      } finally {
        // The ticker's close is the next one: it goes to the real store.
        close.mockRestore();
      }
      expect(await untilStatus(product.id, ticket.ticket_id, 'expired', 2_000)).toBeDefined();
    });

    it('should close within 2 s a line whose queue was disabled without its close (the ticker repairs it)', async () => {
      const product = await createProduct({ queue_enabled: true, total_stock: 1, queue_admit_per_minute: 1 });
      const first = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      const second = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      expect(second).toMatchObject({ status: 'waiting', position: 2 });
      // The admin's commit without the close that follows it (Redis away, the process gone).
      await t.dataSource.query('UPDATE products SET queue_enabled = ? WHERE id = ?', [false, product.id]);

      expect(await untilStatus(product.id, second.ticket_id, 'expired', 2_000)).toBeDefined();
      expect((await read(product.id, first.ticket_id)).status).toBe('expired');
      // Enabled again, the product starts with an empty line, not the stale one.
      await patch(product.id, { queue_enabled: true }).expect(200);
      const next = (await join(product.id, { customer_id: buyer() }).expect(201)).body.data as Ticket;
      expect(next.position).toBe(1);
      expect((await read(product.id, second.ticket_id)).status).toBe('expired');
    });
  });
});

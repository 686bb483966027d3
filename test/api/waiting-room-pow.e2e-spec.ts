import type { Challenge } from 'altcha-lib/v1/types';
import { signedChallenge, solve } from '../utils/altcha';
import { createTestApp, TestApp } from '../utils/test-app';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';
const SECRET = 'queue-token-secret-for-pow-e2e-0123456789';
let buyers = 0;
const buyer = () => `pow-buyer-${++buyers}`;

/** The waiting room's optional proof of work (ALTCHA) on joining, in both modes. */
describe('Waiting room proof of work (e2e)', () => {
  let t: TestApp;
  let product: number;
  let other: number;

  beforeAll(async () => {
    // A small work factor: each solve is a few hundred SHA-256 tries.
    t = await createTestApp({
      ADMIN_API_TOKEN: TOKEN,
      QUEUE_TOKEN_SECRET: SECRET,
      QUEUE_POW_MAX_NUMBER: '1000',
    });
    product = await createProduct({ queue_enabled: true });
    other = await createProduct({ queue_enabled: true });
  });

  afterAll(async () => {
    await t.close();
    // Later suites of this process must not inherit the proof of work.
    Object.assign(process.env, { QUEUE_POW_MAX_NUMBER: '0' });
  });

  async function createProduct(body: Record<string, unknown>): Promise<number> {
    const created = await t.http
      .post('/api/admin/products')
      .set({ Authorization: `Bearer ${TOKEN}` })
      .send({ name: 'Drop', price: '10.00', total_stock: 100, max_per_customer: 1, ...body })
      .expect(201);
    return created.body.data.id as number;
  }
  const challenge = async (id: number) =>
    (await t.http.get(`/api/products/${id}/queue/challenge`).expect(200)).body as Challenge;
  const join = (id: number, body: Record<string, unknown>) =>
    t.http.post(`/api/products/${id}/queue`).send(body);
  /** Every ticket ever placed, waiting or admitted since (the ticker admits while a test runs). */
  const placed = async (id: number) => {
    const { data } = (await t.http.get(`/api/products/${id}/queue`).expect(200)).body;
    return (data.waiting as number) + (data.admitted as number);
  };

  it("should answer ALTCHA's challenge itself, bound to the product, expiring in 5 minutes, never cached", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await t.http.get(`/api/products/${product}/queue/challenge`).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      algorithm: 'SHA-256',
      challenge: expect.stringMatching(/^[0-9a-f]{64}$/),
      maxnumber: 1000,
      salt: expect.stringMatching(new RegExp(`^[0-9a-f]+\\?product=${product}&expires=\\d+&$`)),
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const expires = Number(/expires=(\d+)/.exec(response.body.salt)![1]);
    expect(expires).toBeGreaterThanOrEqual(before + 300);
    expect(expires).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 300);
  });

  it('should refuse a challenge for an unknown product, a draft and a product without a queue', async () => {
    expect((await t.http.get('/api/products/999999/queue/challenge').expect(404)).body.code).toBe(
      'PRODUCT_NOT_FOUND',
    );
    const draft = await createProduct({ queue_enabled: true, status: 'draft' });
    expect((await t.http.get(`/api/products/${draft}/queue/challenge`).expect(404)).body.code).toBe(
      'PRODUCT_NOT_FOUND',
    );
    const plain = await createProduct({});
    expect((await t.http.get(`/api/products/${plain}/queue/challenge`).expect(409)).body.code).toBe(
      'QUEUE_NOT_ENABLED',
    );
  });

  it('should join with a solved challenge (201), and refuse a join without one with 403 POW_REQUIRED', async () => {
    const missing = await join(product, { customer_id: buyer() }).expect(403);
    expect(missing.body).toMatchObject({ status: 'error', code: 'POW_REQUIRED' });
    const joined = await join(product, {
      customer_id: buyer(),
      altcha: await solve(await challenge(product)),
    });
    expect(joined.status).toBe(201);
    expect(joined.body.data.status).toBe('waiting');
  });

  it('should give a buyer their live ticket back (200) without a proof, or with a fresh one', async () => {
    const alice = buyer();
    const first = await join(product, {
      customer_id: alice,
      altcha: await solve(await challenge(product)),
    }).expect(201);
    const again = await join(product, { customer_id: alice }).expect(200);
    expect(again.body.data.ticket_id).toBe(first.body.data.ticket_id);
    const fresh = await join(product, {
      customer_id: alice,
      altcha: await solve(await challenge(product)),
    }).expect(200);
    expect(fresh.body.data.ticket_id).toBe(first.body.data.ticket_id);
    // A solution sent is always checked, even by a buyer who holds a ticket.
    expect((await join(product, { customer_id: alice, altcha: 'garbage' }).expect(403)).body.code).toBe(
      'POW_INVALID',
    );
  });

  it('should accept a solution once: replayed by another buyer, 403 POW_INVALID, and nothing changes', async () => {
    const altcha = await solve(await challenge(product));
    await join(product, { customer_id: buyer(), altcha }).expect(201);
    const before = await placed(product);
    const replay = await join(product, { customer_id: buyer(), altcha }).expect(403);
    expect(replay.body.code).toBe('POW_INVALID');
    expect(await placed(product)).toBe(before);
  });

  it('should accept a solution once when two buyers race with it', async () => {
    const altcha = await solve(await challenge(product));
    const answers = await Promise.all(
      [buyer(), buyer(), buyer(), buyer()].map((id) => join(product, { customer_id: id, altcha })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403, 403, 403]);
  });

  it.each([
    ['not base64 JSON', () => Promise.resolve('not-a-solution!')],
    ['JSON of the wrong shape', () => Promise.resolve(Buffer.from('{"number":"1"}').toString('base64'))],
    [
      'an unsolved challenge (a wrong number)',
      async () => {
        const payload = JSON.parse(Buffer.from(await solve(await challenge(product)), 'base64').toString());
        return Buffer.from(JSON.stringify({ ...payload, number: payload.number + 1 })).toString('base64');
      },
    ],
    [
      'a tampered signature',
      async () => {
        const solved = await challenge(product);
        return solve({
          ...solved,
          signature: solved.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')),
        });
      },
    ],
    [
      'a challenge signed with another key',
      async () =>
        solve(
          await signedChallenge(
            'another-secret-0123456789abcdef0123',
            product,
            new Date(Date.now() + 60_000),
          ),
        ),
    ],
    ["another product's challenge", async () => solve(await challenge(other))],
    [
      'an expired challenge',
      async () => solve(await signedChallenge(SECRET, product, new Date(Date.now() - 1_000))),
    ],
  ])('should refuse %s with 403 POW_INVALID and change nothing', async (_, altcha) => {
    const before = await placed(product);
    const refused = await join(product, { customer_id: buyer(), altcha: await altcha() }).expect(403);
    expect(refused.body).toMatchObject({ status: 'error', code: 'POW_INVALID' });
    expect(await placed(product)).toBe(before);
  });

  it('should take a challenge the service would sign (same derived key) that is still live', async () => {
    const altcha = await solve(await signedChallenge(SECRET, product, new Date(Date.now() + 60_000)));
    await join(product, { customer_id: buyer(), altcha }).expect(201);
  });

  it('should check the body and the product before the proof', async () => {
    expect((await join(product, { customer_id: buyer(), altcha: 'x', extra: 1 }).expect(422)).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await join(999999, { customer_id: buyer() }).expect(404)).body.code).toBe('PRODUCT_NOT_FOUND');
    const plain = await createProduct({});
    expect((await join(plain, { customer_id: buyer() }).expect(409)).body.code).toBe('QUEUE_NOT_ENABLED');
  });
});

/** With QUEUE_POW_MAX_NUMBER=0 (the default) joining needs no proof and the challenge route says so. */
describe('Waiting room without proof of work (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN, QUEUE_POW_MAX_NUMBER: '0' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer 409 POW_NOT_REQUIRED for a challenge and join without altcha', async () => {
    const created = await t.http
      .post('/api/admin/products')
      .set({ Authorization: `Bearer ${TOKEN}` })
      .send({ name: 'Drop', price: '10.00', total_stock: 10, max_per_customer: 1, queue_enabled: true })
      .expect(201);
    const id = created.body.data.id as number;
    const refused = await t.http.get(`/api/products/${id}/queue/challenge`).expect(409);
    expect(refused.body).toMatchObject({ status: 'error', code: 'POW_NOT_REQUIRED' });
    await t.http.post(`/api/products/${id}/queue`).send({ customer_id: 'no-pow' }).expect(201);
  });
});

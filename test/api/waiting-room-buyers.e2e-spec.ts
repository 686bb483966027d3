import { hs256Token } from '../utils/identity-provider';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';
const SECRET = 'buyer-secret-for-the-waiting-room-e2e-0123456789';
const bearer = async (sub: string) => ({ authorization: `Bearer ${await hs256Token(SECRET, sub)}` });

/** The waiting room with verified buyers (BUYER_AUTH=jwt): the token's sub is the buyer. */
describe('Waiting room with verified buyers (e2e)', () => {
  let t: TestApp;
  let productId: number;

  beforeAll(async () => {
    t = await createTestApp({
      ADMIN_API_TOKEN: TOKEN,
      BUYER_AUTH: 'jwt',
      BUYER_JWT_SECRET: SECRET,
      BUYER_JWT_JWKS_URL: '',
      BUYER_JWT_PUBLIC_KEY: '',
      BUYER_JWT_ISSUER: 'https://login.shop.test/',
      BUYER_JWT_AUDIENCE: 'flash-sale-api',
    });
    const created = await t.http
      .post('/api/admin/products')
      .set({ Authorization: `Bearer ${TOKEN}` })
      .send({ name: 'Drop', price: '10.00', total_stock: 10, max_per_customer: 2, queue_enabled: true })
      .expect(201);
    productId = created.body.data.id;
  });

  afterAll(async () => {
    await t.close({ keepDatabase: false });
    // Later suites of this process must not inherit the jwt mode.
    Object.assign(process.env, { BUYER_AUTH: 'off', BUYER_JWT_SECRET: '' });
  });

  it('should require a bearer to join, join as its sub, and refuse a body naming someone else', async () => {
    const missing = await t.http
      .post(`/api/products/${productId}/queue`)
      .send({ customer_id: 'alice' })
      .expect(401);
    expect(missing.body.code).toBe('UNAUTHORIZED');
    const mismatch = await t.http
      .post(`/api/products/${productId}/queue`)
      .set(await bearer('alice'))
      .send({ customer_id: 'bob' })
      .expect(403);
    expect(mismatch.body.code).toBe('CUSTOMER_MISMATCH');
    const joined = await t.http
      .post(`/api/products/${productId}/queue`)
      .set(await bearer('alice'))
      .send({})
      .expect(201);
    expect(joined.body.data.customer_id).toBe('alice');
  });

  it("should refuse a hold with another buyer's admission and accept the buyer's own", async () => {
    const joined = await t.http
      .post(`/api/products/${productId}/queue`)
      .set(await bearer('carol'))
      .send({})
      .expect(201);
    const admitted = await pollUntil(async () => {
      const { body } = await t.http
        .get(`/api/products/${productId}/queue/${joined.body.data.ticket_id}`)
        .expect(200);
      return body.data.status === 'admitted' ? (body.data as { admission_token: string }) : undefined;
    }, Date.now() + 5_000);
    const hold = (sub: string) =>
      bearer(sub).then((auth) =>
        t.http
          .post('/api/holds')
          .set(auth)
          .set('Admission-Token', admitted!.admission_token)
          .send({ product_id: productId, quantity: 1 }),
      );
    expect((await hold('dave')).body.code).toBe('ADMISSION_INVALID');
    const own = await hold('carol');
    expect(own.status).toBe(201);
    expect(own.body.data.customer_id).toBe('carol');
  });
});

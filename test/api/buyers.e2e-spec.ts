import type { Response } from 'supertest';
import { JWKS_FETCH_OPTIONS } from '../../src/buyers/buyer-token.verifier';
import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { LogCapture } from '../utils/log-capture';
import { createProduct } from '../factories/product.factory';
import {
  hs256Token,
  JwksServer,
  type SigningKey,
  signingKey,
  TEST_AUDIENCE,
  TEST_ISSUER,
  tokenFor,
  unsignedToken,
} from '../utils/identity-provider';
import { sparePort } from '../utils/ports';
import { createTestApp, TestApp } from '../utils/test-app';

/** The six buyer routes of issue 23, with what each needs to get past authentication. */
const BUYER_ROUTES = [
  ['post', '/api/holds'],
  ['post', '/api/orders'],
  ['get', '/api/holds'],
  ['get', '/api/holds/1'],
  ['get', '/api/orders'],
  ['get', '/api/orders/1'],
] as const;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** createTestApp keeps earlier settings of the process: every BUYER_* is named, '' unsets it. */
function buyerSettings(settings: Record<string, string>): Record<string, string> {
  const unset = [
    'BUYER_AUTH',
    'BUYER_JWT_JWKS_URL',
    'BUYER_JWT_PUBLIC_KEY',
    'BUYER_JWT_SECRET',
    'BUYER_JWT_ISSUER',
    'BUYER_JWT_AUDIENCE',
  ];
  return { ...Object.fromEntries(unset.map((name) => [name, ''])), ...settings };
}

function expectUnauthorized(response: Response): void {
  expect({
    status: response.status,
    body: response.body,
    challenge: response.headers['www-authenticate'],
  }).toEqual({
    status: 401,
    body: { status: 'error', code: 'UNAUTHORIZED', message: expect.any(String) },
    challenge: 'Bearer',
  });
}

function expectInvalidToken(response: Response): void {
  expect({
    status: response.status,
    code: response.body.code,
    challenge: response.headers['www-authenticate'],
  }).toEqual({
    status: 401,
    code: 'INVALID_TOKEN',
    challenge: 'Bearer error="invalid_token"',
  });
}

describe('Verified buyers, BUYER_AUTH=jwt with a JWKS endpoint (e2e)', () => {
  let t: TestApp;
  let jwks: JwksServer;
  let es256: SigningKey;
  let rs256: SigningKey;
  const logs = new LogCapture();

  beforeAll(async () => {
    [es256, rs256] = await Promise.all([signingKey('ES256'), signingKey('RS256')]);
    jwks = await new JwksServer([es256, rs256]).start();
    t = await createTestApp(
      buyerSettings({
        BUYER_AUTH: 'jwt',
        BUYER_JWT_JWKS_URL: jwks.url,
        BUYER_JWT_ISSUER: TEST_ISSUER,
        BUYER_JWT_AUDIENCE: TEST_AUDIENCE,
        // Every line the app can write, refusals' debug lines included.
        LOG_LEVEL: 'debug',
      }),
      {
        customize: (builder) =>
          builder
            // No 30 s cooldown between fetches: the rotation below is seen at once.
            .overrideProvider(JWKS_FETCH_OPTIONS)
            .useValue({ cooldownDuration: 0 })
            .overrideProvider(LOG_DESTINATION)
            .useValue(logs),
      },
    );
  });

  afterAll(async () => {
    await t.close();
    await jwks.stop();
  });

  const hold = async (token: string, body: Record<string, unknown>) =>
    t.http.post('/api/holds').set(bearer(token)).send(body);

  it('should answer 401 UNAUTHORIZED with WWW-Authenticate: Bearer on every buyer route without a bearer token', async () => {
    for (const [method, path] of BUYER_ROUTES) {
      expectUnauthorized(await t.http[method](path).send(method === 'post' ? {} : undefined));
      expectUnauthorized(await t.http[method](path).set('authorization', 'Basic dXNlcjpwYXNz'));
      expectUnauthorized(await t.http[method](path).set('authorization', 'Bearer '));
    }
  });

  it('should leave product reads public', async () => {
    const product = await createProduct(t.dataSource);
    await t.http.get(`/api/products/${product.id}`).expect(200);
    await t.http.get('/api/products').expect(200);
    const unknown = await t.http.get('/api/no-such-route');
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    });
  });

  it('should take the buyer from an ES256 or an RS256 token, and record them on the hold and the order', async () => {
    const product = await createProduct(t.dataSource);
    for (const [key, buyer] of [
      [es256, 'auth0|64f1c2'],
      [rs256, 'google-oauth2|109348'],
    ] as const) {
      const token = await tokenFor(key, buyer);
      const created = await hold(token, { product_id: product.id, quantity: 1 }).then((r) => r);
      expect(created.status).toBe(201);
      expect(created.body.data.customer_id).toBe(buyer);
      const order = await t.http
        .post('/api/orders')
        .set(bearer(token))
        .send({ hold_id: created.body.data.hold_id });
      expect({ status: order.status, customer_id: order.body.data.customer_id }).toEqual({
        status: 201,
        customer_id: buyer,
      });
      const read = await t.http.get(`/api/orders/${order.body.data.id}`).set(bearer(token)).expect(200);
      expect(read.body.data.customer_id).toBe(buyer);
    }
  });

  it('should accept a 255-character subject and refuse a longer or non-ASCII one with 401 INVALID_TOKEN', async () => {
    const product = await createProduct(t.dataSource);
    const longest = `auth0|${'a'.repeat(249)}`;
    const created = await hold(await tokenFor(es256, longest), { product_id: product.id, quantity: 1 });
    expect({ status: created.status, customer_id: created.body.data?.customer_id }).toEqual({
      status: 201,
      customer_id: longest,
    });
    expectInvalidToken(
      await hold(await tokenFor(es256, `${longest}b`), { product_id: product.id, quantity: 1 }),
    );
    expectInvalidToken(await hold(await tokenFor(es256, 'bjørn'), { product_id: product.id, quantity: 1 }));
  });

  it('should refuse bad, expired, not-yet-valid, wrong-issuer, wrong-audience, exp-less and unsigned tokens', async () => {
    const product = await createProduct(t.dataSource);
    const stranger = await signingKey('ES256'); // never published
    const refused = [
      'not.a.jwt',
      'garbage',
      await tokenFor(es256, 'buyer-1', { expiresIn: -60 }),
      await tokenFor(es256, 'buyer-1', { notBeforeIn: 120 }),
      await tokenFor(es256, 'buyer-1', { issuer: 'https://evil.test/' }),
      await tokenFor(es256, 'buyer-1', { audience: 'another-api' }),
      await tokenFor(es256, 'buyer-1', { expiresIn: null }),
      await tokenFor(stranger, 'buyer-1'),
      // The right kid, signed by another key.
      await tokenFor({ ...stranger, kid: es256.kid }, 'buyer-1'),
      unsignedToken('buyer-1'),
      // Algorithm confusion: HS256 "signed" with the published public key.
      await hs256Token(es256.publicPem, 'buyer-1', { header: { kid: es256.kid } }),
      await hs256Token(JSON.stringify(es256.publicJwk), 'buyer-1', { header: { kid: es256.kid } }),
    ];
    for (const token of refused) {
      expectInvalidToken(await hold(token, { product_id: product.id, quantity: 1 }));
      expectInvalidToken(await t.http.get('/api/holds').set(bearer(token)));
    }
    expect((await t.http.get(`/api/products/${product.id}`)).body.data.available_stock).toBe(100);
  });

  it('should accept a token within the 30 s clock tolerance, and require no particular typ', async () => {
    const product = await createProduct(t.dataSource);
    const justExpired = await tokenFor(es256, 'buyer-skew', { expiresIn: -10, notBeforeIn: 10 });
    expect((await hold(justExpired, { product_id: product.id, quantity: 1 })).status).toBe(201);
    const typed = await tokenFor(es256, 'buyer-skew', { header: { typ: 'at+jwt' } });
    expect((await hold(typed, { product_id: product.id, quantity: 1 })).status).toBe(201);
  });

  it("should refuse a body customer_id other than the token's sub with 403 CUSTOMER_MISMATCH, and take nothing", async () => {
    const product = await createProduct(t.dataSource);
    const token = await tokenFor(es256, 'buyer-a');
    const refused = await hold(token, { product_id: product.id, quantity: 1, customer_id: 'buyer-b' }).then(
      (r) => r,
    );
    expect({ status: refused.status, code: refused.body.code }).toEqual({
      status: 403,
      code: 'CUSTOMER_MISMATCH',
    });
    const same = await hold(token, { product_id: product.id, quantity: 1, customer_id: 'buyer-a' });
    expect({ status: same.status, customer_id: same.body.data.customer_id }).toEqual({
      status: 201,
      customer_id: 'buyer-a',
    });
    expect((await t.http.get(`/api/products/${product.id}`)).body.data.available_stock).toBe(99);
  });

  it("should not let buyer B read, list or order buyer A's hold, nor read or list A's order", async () => {
    const product = await createProduct(t.dataSource);
    const [a, b] = await Promise.all([tokenFor(es256, 'owner-a'), tokenFor(rs256, 'owner-b')]);
    const heldByA = (await hold(a, { product_id: product.id, quantity: 2 })).body.data.hold_id as number;
    const otherHold = (await hold(a, { product_id: product.id, quantity: 1 })).body.data.hold_id as number;
    const heldByB = (await hold(b, { product_id: product.id, quantity: 1 })).body.data.hold_id as number;

    const read = await t.http.get(`/api/holds/${heldByA}`).set(bearer(b));
    expect({ status: read.status, code: read.body.code }).toEqual({ status: 404, code: 'HOLD_NOT_FOUND' });
    const ordered = await t.http.post('/api/orders').set(bearer(b)).send({ hold_id: heldByA });
    expect({ status: ordered.status, code: ordered.body.code }).toEqual({
      status: 404,
      code: 'HOLD_NOT_FOUND',
    });
    const listB = await t.http.get('/api/holds?per_page=100').set(bearer(b)).expect(200);
    expect(listB.body.data.map((h: { id: number }) => h.id)).toEqual([heldByB]);
    expect(listB.body.meta.total).toBe(1);
    expect(listB.body.data[0].customer_id).toBe('owner-b');

    const ownRead = await t.http.get(`/api/holds/${heldByA}`).set(bearer(a)).expect(200);
    expect(ownRead.body.data).toMatchObject({ customer_id: 'owner-a', status: 'active' });
    const listA = await t.http.get('/api/holds?per_page=100').set(bearer(a)).expect(200);
    expect(listA.body.data.map((h: { id: number }) => h.id)).toEqual([otherHold, heldByA]);

    const order = await t.http.post('/api/orders').set(bearer(a)).send({ hold_id: heldByA }).expect(201);
    const orderRead = await t.http.get(`/api/orders/${order.body.data.id}`).set(bearer(b));
    expect({ status: orderRead.status, code: orderRead.body.code }).toEqual({
      status: 404,
      code: 'ORDER_NOT_FOUND',
    });
    expect((await t.http.get('/api/orders').set(bearer(b)).expect(200)).body.data).toEqual([]);
    const ordersA = await t.http.get('/api/orders').set(bearer(a)).expect(200);
    expect(ordersA.body.data.map((o: { id: number; customer_id: string }) => [o.id, o.customer_id])).toEqual([
      [order.body.data.id, 'owner-a'],
    ]);
  });

  it('should scope Idempotency-Key by the buyer: the same key from two buyers makes two holds', async () => {
    const product = await createProduct(t.dataSource);
    const [a, b] = await Promise.all([tokenFor(es256, 'idem-a'), tokenFor(es256, 'idem-b')]);
    const body = { product_id: product.id, quantity: 1 };
    const first = await t.http.post('/api/holds').set(bearer(a)).set('idempotency-key', 'k-1').send(body);
    const second = await t.http.post('/api/holds').set(bearer(b)).set('idempotency-key', 'k-1').send(body);
    const replay = await t.http.post('/api/holds').set(bearer(a)).set('idempotency-key', 'k-1').send(body);
    expect([first.status, second.status, replay.status]).toEqual([201, 201, 201]);
    expect(second.body.data.hold_id).not.toBe(first.body.data.hold_id);
    expect(second.body.data.customer_id).toBe('idem-b');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect((await t.http.get(`/api/products/${product.id}`)).body.data.available_stock).toBe(98);
  });

  it('should give two buyers racing for a max_per_customer: 1 product one unit each', async () => {
    const product = await createProduct(t.dataSource, { maxPerCustomer: 1 });
    const [a, b] = await Promise.all([tokenFor(es256, 'racer-a'), tokenFor(rs256, 'racer-b')]);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        hold(index % 2 === 0 ? a : b, { product_id: product.id, quantity: 1 }),
      ),
    );
    const granted = responses.filter((r) => r.status === 201).map((r) => r.body.data.customer_id as string);
    expect(granted.sort()).toEqual(['racer-a', 'racer-b']);
    expect(responses.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
      Array(18).fill('CUSTOMER_LIMIT_EXCEEDED'),
    );
    expect((await t.http.get(`/api/products/${product.id}`)).body.data.available_stock).toBe(98);
  });

  it('should verify tokens of a key the provider rotated in, without a restart', async () => {
    const product = await createProduct(t.dataSource);
    const before = await tokenFor(es256, 'rotating-buyer');
    expect((await hold(before, { product_id: product.id, quantity: 1 })).status).toBe(201);

    const next = await signingKey('ES256');
    jwks.publish([next, rs256]);
    const fetchesBefore = jwks.fetches;
    const created = await hold(await tokenFor(next, 'rotating-buyer'), {
      product_id: product.id,
      quantity: 1,
    });
    expect({ status: created.status, customer_id: created.body.data?.customer_id }).toEqual({
      status: 201,
      customer_id: 'rotating-buyer',
    });
    expect(jwks.fetches).toBe(fetchesBefore + 1);
    // The retired key's fresh tokens no longer verify.
    expectInvalidToken(
      await hold(await tokenFor(es256, 'rotating-buyer-2'), { product_id: product.id, quantity: 1 }),
    );
  });

  it('should never write a token into the logs, whatever was refused or granted', async () => {
    await logs.waitFor((line) => line.msg === 'request completed');
    expect(logs.lines.some((line) => line.event === 'buyer_auth.token_refused')).toBe(true);
    // Every JWT starts with eyJ (base64url of '{"'), whatever its key or claims.
    expect(JSON.stringify(logs.lines)).not.toContain('eyJ');
  });
});

describe('Verified buyers, BUYER_AUTH=jwt with a PEM public key or an HS256 secret (e2e)', () => {
  it('should verify ES256 against BUYER_JWT_PUBLIC_KEY and refuse HS256 signed with that key', async () => {
    const key = await signingKey('ES256');
    const t = await createTestApp(buyerSettings({ BUYER_AUTH: 'jwt', BUYER_JWT_PUBLIC_KEY: key.publicPem }));
    try {
      const product = await createProduct(t.dataSource);
      const body = { product_id: product.id, quantity: 1 };
      const ok = await t.http
        .post('/api/holds')
        .set(bearer(await tokenFor(key, 'pem-buyer')))
        .send(body);
      expect({ status: ok.status, customer_id: ok.body.data.customer_id }).toEqual({
        status: 201,
        customer_id: 'pem-buyer',
      });
      expectInvalidToken(
        await t.http
          .post('/api/holds')
          .set(bearer(await hs256Token(key.publicPem, 'pem-buyer')))
          .send(body),
      );
      expectInvalidToken(
        await t.http
          .post('/api/holds')
          .set(bearer(await tokenFor(await signingKey('RS256'), 'pem-buyer')))
          .send(body),
      );
      expectInvalidToken(
        await t.http
          .post('/api/holds')
          .set(bearer(unsignedToken('pem-buyer')))
          .send(body),
      );
    } finally {
      await t.close();
    }
  });

  it('should verify HS256 against BUYER_JWT_SECRET and refuse another secret or an asymmetric token', async () => {
    const secret = 'a-shared-secret-of-at-least-32-characters';
    const t = await createTestApp(
      buyerSettings({ BUYER_AUTH: 'jwt', BUYER_JWT_SECRET: secret, BUYER_JWT_ISSUER: TEST_ISSUER }),
    );
    try {
      const product = await createProduct(t.dataSource);
      const body = { product_id: product.id, quantity: 1 };
      const ok = await t.http
        .post('/api/holds')
        .set(bearer(await hs256Token(secret, 'hs-buyer')))
        .send(body);
      expect({ status: ok.status, customer_id: ok.body.data.customer_id }).toEqual({
        status: 201,
        customer_id: 'hs-buyer',
      });
      const refused = [
        await hs256Token(`${secret}-not`, 'hs-buyer'),
        await hs256Token(secret, 'hs-buyer', { issuer: 'https://evil.test/' }),
        await hs256Token(secret, 'hs-buyer', { expiresIn: -120 }),
        await tokenFor(await signingKey('ES256'), 'hs-buyer'),
        unsignedToken('hs-buyer'),
      ];
      for (const token of refused) {
        expectInvalidToken(await t.http.post('/api/holds').set(bearer(token)).send(body));
      }
      expectUnauthorized(await t.http.get('/api/orders'));
    } finally {
      await t.close();
    }
  });

  it("should answer 503 SERVICE_UNAVAILABLE, not 401, while the identity provider's JWKS cannot be fetched", async () => {
    const key = await signingKey('ES256');
    const nowhere = `http://127.0.0.1:${await sparePort()}/.well-known/jwks.json`;
    const t = await createTestApp(buyerSettings({ BUYER_AUTH: 'jwt', BUYER_JWT_JWKS_URL: nowhere }));
    try {
      const response = await t.http.get('/api/holds').set(bearer(await tokenFor(key, 'buyer')));
      expect({
        status: response.status,
        code: response.body.code,
        retryAfter: response.headers['retry-after'],
      }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: expect.any(String) });
    } finally {
      await t.close();
    }
  });
});

describe('Buyer privacy with BUYER_AUTH=off (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(buyerSettings({}));
  });

  afterAll(async () => {
    await t.close();
  });

  it('should echo customer_id to the POST that created a hold or an order, and show null in every read', async () => {
    const product = await createProduct(t.dataSource);
    const created = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 1, customer_id: 'jane@example.com' })
      .expect(201);
    expect(created.body.data.customer_id).toBe('jane@example.com');
    const holdId = created.body.data.hold_id as number;
    const order = await t.http.post('/api/orders').send({ hold_id: holdId }).expect(201);
    expect(order.body.data.customer_id).toBe('jane@example.com');

    expect((await t.http.get(`/api/holds/${holdId}`).expect(200)).body.data.customer_id).toBeNull();
    expect(
      (await t.http.get(`/api/orders/${order.body.data.id}`).expect(200)).body.data.customer_id,
    ).toBeNull();
    const holds = (await t.http.get('/api/holds?per_page=100').expect(200)).body.data as Array<{
      id: number;
      customer_id: unknown;
    }>;
    expect(holds.find((h) => h.id === holdId)).toMatchObject({ customer_id: null });
    const orders = (await t.http.get('/api/orders?per_page=100').expect(200)).body.data as Array<{
      customer_id: unknown;
    }>;
    expect(orders.every((o) => o.customer_id === null)).toBe(true);
    const raw = JSON.stringify([holds, orders]);
    expect(raw).not.toContain('jane@example.com');
  });

  it('should take customer ids of up to 255 printable ASCII characters, and refuse longer ones with 422', async () => {
    const product = await createProduct(t.dataSource, { maxPerCustomer: 1 });
    const subject = `google-oauth2|${'9'.repeat(241)}`;
    const created = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 1, customer_id: subject })
      .expect(201);
    expect(created.body.data.customer_id).toBe(subject);
    // The limit counts the wide id exactly.
    const again = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 1, customer_id: subject });
    expect({ status: again.status, code: again.body.code }).toEqual({
      status: 409,
      code: 'CUSTOMER_LIMIT_EXCEEDED',
    });
    for (const customerId of [`${subject}x`, 'bjørn', '', 'tab\there']) {
      const refused = await t.http
        .post('/api/holds')
        .send({ product_id: product.id, quantity: 1, customer_id: customerId });
      expect({ status: refused.status, code: refused.body.code }).toEqual({
        status: 422,
        code: 'VALIDATION_FAILED',
      });
    }
  });

  it('should need no token on the buyer routes', async () => {
    await t.http.get('/api/holds').expect(200);
    await t.http.get('/api/orders').expect(200);
  });
});

import { randomUUID } from 'node:crypto';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { Hold } from '../../src/holds/hold.entity';
import { IdempotencyRecord } from '../../src/idempotency/idempotency-record.entity';
import { Product } from '../../src/products/product.entity';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';

/** Idempotency-Key on POST /api/holds and POST /api/orders, against the real MariaDB. */
describe('Idempotency-Key (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const holdWithKey = (key: string, body: object) =>
    t.http.post('/api/holds').set('Idempotency-Key', key).send(body);
  const orderWithKey = (key: string, body: object) =>
    t.http.post('/api/orders').set('Idempotency-Key', key).send(body);

  async function counts(productId: number) {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT available_stock FROM products WHERE id = ?) AS available,
              (SELECT COUNT(*) FROM holds WHERE product_id = ?) AS holds,
              (SELECT COUNT(*) FROM orders WHERE product_id = ?) AS orders`,
      [productId, productId, productId],
    );
    return { available: Number(row.available), holds: Number(row.holds), orders: Number(row.orders) };
  }

  it('should answer a repeat with the stored 201 and Idempotent-Replayed, reserving nothing more', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = randomUUID();

    const first = await holdWithKey(key, { product_id: product.id, quantity: 3 }).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Same JSON with its keys in another order and other spacing is the same request.
    const again = await t.http
      .post('/api/holds')
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/json')
      .send(`{ "quantity": 3,  "product_id": ${product.id} }`)
      .expect(201);

    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await counts(product.id)).toEqual({ available: 7, holds: 1, orders: 0 });
  });

  it('should reserve once for 10 concurrent requests with one key, every one answered with that hold', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 100, availableStock: 100 });
    const key = randomUUID();

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => holdWithKey(key, { product_id: product.id, quantity: 4 })),
    );

    // Every twin waits for the first and replays its answer: none is refused.
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.body.data.hold_id)).size).toBe(1);
    expect(responses.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(
      1,
    );
    expect(await counts(product.id)).toEqual({ available: 96, holds: 1, orders: 0 });
  });

  it('should never oversell when keyed and plain holds race on one product', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 60, availableStock: 60 });

    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, index) =>
        index % 2 === 0
          ? holdWithKey(randomUUID(), { product_id: product.id, quantity: 1 })
          : t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }),
      ),
    );

    expect(responses.filter((response) => response.status === 201)).toHaveLength(60);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(20);
    expect(await counts(product.id)).toEqual({ available: 0, holds: 60, orders: 0 });
  });

  it('should refuse the same key with another body with 422 IDEMPOTENCY_KEY_REUSED, changing nothing', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = randomUUID();
    await holdWithKey(key, { product_id: product.id, quantity: 2 }).expect(201);

    const reused = await holdWithKey(key, { product_id: product.id, quantity: 5 }).expect(422);

    expect(reused.body).toEqual({
      status: 'error',
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'This Idempotency-Key was already used with a different request body',
    });
    expect(await counts(product.id)).toEqual({ available: 8, holds: 1, orders: 0 });
  });

  it('should refuse an unusable key with 422 and the envelope', async () => {
    const product = await createProduct(t.dataSource);
    for (const key of ['', 'k'.repeat(256), 'clé']) {
      const response = await holdWithKey(key, { product_id: product.id, quantity: 1 }).expect(422);
      expect(response.body).toMatchObject({
        status: 'error',
        code: 'VALIDATION_FAILED',
        errors: { 'Idempotency-Key': [expect.any(String)] },
      });
    }
    await holdWithKey('k'.repeat(255), { product_id: product.id, quantity: 1 }).expect(201);
    expect((await counts(product.id)).holds).toBe(1);
  });

  it('should not store validation failures: the same key then serves a valid request', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = randomUUID();

    await holdWithKey(key, { product_id: product.id, quantity: '2' }).expect(422);
    await holdWithKey(key, { product_id: product.id, quantity: 1000 }).expect(422);
    expect(await t.dataSource.getRepository(IdempotencyRecord).countBy({ key })).toBe(0);

    const created = await holdWithKey(key, { product_id: product.id, quantity: 2 }).expect(201);
    expect(created.headers['idempotent-replayed']).toBeUndefined();
  });

  /** Whether the key has a row: a refusal that is not stored leaves none behind. */
  const keyRows = (key: string) => t.dataSource.getRepository(IdempotencyRecord).countBy({ key });
  const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

  it('should not store SALE_NOT_STARTED: the same key after the start gets the hold', async () => {
    const product = await createProduct(t.dataSource, {
      totalStock: 10,
      availableStock: 10,
      saleStartsAt: minutesFromNow(60),
    });
    const key = randomUUID();
    const early = await holdWithKey(key, { product_id: product.id, quantity: 2 }).expect(409);
    expect(early.body.code).toBe('SALE_NOT_STARTED');
    expect(await keyRows(key)).toBe(0);

    // The sale opens (the board's countdown ran on a browser clock a moment fast).
    await t.dataSource
      .getRepository(Product)
      .update({ id: product.id }, { saleStartsAt: minutesFromNow(-1) });
    const retried = await holdWithKey(key, { product_id: product.id, quantity: 2 }).expect(201);

    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.body.data).toMatchObject({ product_id: product.id, quantity: 2, status: 'active' });
    const replayed = await holdWithKey(key, { product_id: product.id, quantity: 2 }).expect(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(retried.body);
    expect(await counts(product.id)).toEqual({ available: 8, holds: 1, orders: 0 });
  });

  it('should not store INSUFFICIENT_STOCK: the same key gets the hold once units are back', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 1 });
    const key = randomUUID();
    const refused = await holdWithKey(key, { product_id: product.id, quantity: 5 }).expect(409);
    expect(refused.body.code).toBe('INSUFFICIENT_STOCK');
    expect(await keyRows(key)).toBe(0);

    await t.dataSource.query('UPDATE products SET available_stock = 10 WHERE id = ?', [product.id]);
    const retried = await holdWithKey(key, { product_id: product.id, quantity: 5 }).expect(201);

    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await counts(product.id)).toEqual({ available: 5, holds: 1, orders: 0 });
  });

  it('should not store SALE_ENDED, CUSTOMER_LIMIT_EXCEEDED or PRODUCT_NOT_FOUND: each retry is evaluated again', async () => {
    const ended = await createProduct(t.dataSource, { saleStartsAt: null, saleEndsAt: minutesFromNow(-1) });
    const limited = await createProduct(t.dataSource, {
      totalStock: 10,
      availableStock: 10,
      maxPerCustomer: 1,
    });
    const cases: Array<[string, object]> = [
      ['SALE_ENDED', { product_id: ended.id, quantity: 1 }],
      ['CUSTOMER_LIMIT_EXCEEDED', { product_id: limited.id, quantity: 2, customer_id: 'cus_limit' }],
      ['PRODUCT_NOT_FOUND', { product_id: 999_999, quantity: 1 }],
    ];

    for (const [code, body] of cases) {
      const key = randomUUID();
      const first = await holdWithKey(key, body);
      const again = await holdWithKey(key, body);

      expect([first.body.code, again.body.code]).toEqual([code, code]);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(await keyRows(key)).toBe(0);
    }
  });

  it('should store HOLD_NOT_FOUND, HOLD_EXPIRED and HOLD_ALREADY_USED for an order, and replay them', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const expired = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
    await t.dataSource
      .getRepository(Hold)
      .update({ id: expired.body.data.hold_id }, { holdExpiresAt: minutesFromNow(-1) });
    const used = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
    await t.http.post('/api/orders').send({ hold_id: used.body.data.hold_id }).expect(201);
    const cases: Array<[string, number, number]> = [
      ['HOLD_NOT_FOUND', 404, 999_999],
      ['HOLD_EXPIRED', 409, expired.body.data.hold_id],
      ['HOLD_ALREADY_USED', 409, used.body.data.hold_id],
    ];

    for (const [code, status, holdId] of cases) {
      const key = randomUUID();
      const first = await orderWithKey(key, { hold_id: holdId }).expect(status);
      const again = await orderWithKey(key, { hold_id: holdId }).expect(status);

      expect(first.body.code).toBe(code);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await keyRows(key)).toBe(1);
    }
  });

  it('should create one order for 10 concurrent keyed requests and replay it, also after the hold is used', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10, price: '2.50' });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
    const key = randomUUID();

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => orderWithKey(key, { hold_id: hold.body.data.hold_id })),
    );

    // Every twin replays the first one's answer: none is refused.
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    const created = responses;
    expect(new Set(created.map((response) => response.body.data.id)).size).toBe(1);
    expect(created.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(created[0].body.data).toMatchObject({
      hold_id: hold.body.data.hold_id,
      amount: '5.00',
      status: 'pending',
    });
    expect(await counts(product.id)).toEqual({ available: 8, holds: 1, orders: 1 });

    // Without the key a second order is a plain conflict; with it, the stored 201.
    await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(409);
    const replay = await orderWithKey(key, { hold_id: hold.body.data.hold_id }).expect(201);
    expect(replay.body).toEqual(created[0].body);
  });

  it('should keep keys apart per route', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = randomUUID();
    const hold = await holdWithKey(key, { product_id: product.id, quantity: 1 }).expect(201);

    const order = await orderWithKey(key, { hold_id: hold.body.data.hold_id }).expect(201);

    expect(order.headers['idempotent-replayed']).toBeUndefined();
    expect(order.body.data.hold_id).toBe(hold.body.data.hold_id);
  });

  it('should purge keys older than 24 h in the sweeper run, after which the key serves a new request', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const [oldKey, freshKey] = [randomUUID(), randomUUID()];
    await holdWithKey(oldKey, { product_id: product.id, quantity: 1 }).expect(201);
    await holdWithKey(freshKey, { product_id: product.id, quantity: 1 }).expect(201);
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 60_000);
    await t.dataSource.getRepository(IdempotencyRecord).update({ key: oldKey }, { createdAt: dayAgo });

    // Past 24 h the key is free even before the purge: another body is a new request, not a 422.
    const reused = await holdWithKey(oldKey, { product_id: product.id, quantity: 2 }).expect(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    await t.dataSource.getRepository(IdempotencyRecord).update({ key: oldKey }, { createdAt: dayAgo });

    await t.app.get(ExpiredHoldsSweeper).run();

    const left = await t.dataSource.getRepository(IdempotencyRecord).findBy({ scope: 'holds' });
    expect(left.map((row) => row.key)).toContain(freshKey);
    expect(left.map((row) => row.key)).not.toContain(oldKey);
    expect((await reloadProduct(t.dataSource, product.id)).availableStock).toBe(6);
  });

  it('should compare keys exactly: case variants are other keys', async () => {
    // (Trailing spaces never reach the app: HTTP strips a header value's surrounding whitespace.)
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const base = `Key-AbC-${randomUUID()}`;
    const variants = [base, base.toLowerCase(), base.toUpperCase(), `kEY-aBc-${base.slice(8)}`];

    const responses = [];
    for (const key of variants) {
      responses.push(await holdWithKey(key, { product_id: product.id, quantity: 1 }).expect(201));
    }

    expect(responses.every((response) => response.headers['idempotent-replayed'] === undefined)).toBe(true);
    expect(new Set(responses.map((response) => response.body.data.hold_id)).size).toBe(4);
    expect(await counts(product.id)).toEqual({ available: 6, holds: 4, orders: 0 });
    // Each one still replays itself.
    const again = await holdWithKey(variants[2], { product_id: product.id, quantity: 1 }).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data.hold_id).toBe(responses[2].body.data.hold_id);
  });

  it("should keep keys apart per customer: one customer's key never replays another's hold", async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = 'checkout-1';

    const ann = await holdWithKey(key, { product_id: product.id, quantity: 1, customer_id: 'ann' }).expect(
      201,
    );
    const ben = await holdWithKey(key, { product_id: product.id, quantity: 1, customer_id: 'ben' }).expect(
      201,
    );
    const guest = await holdWithKey(key, { product_id: product.id, quantity: 1 }).expect(201);
    const annAgain = await holdWithKey(key, {
      product_id: product.id,
      quantity: 1,
      customer_id: 'ann',
    }).expect(201);
    const annOther = await holdWithKey(key, {
      product_id: product.id,
      quantity: 2,
      customer_id: 'ann',
    }).expect(422);

    expect([ben, guest].every((response) => response.headers['idempotent-replayed'] === undefined)).toBe(
      true,
    );
    expect([ann, ben, guest].map((response) => response.body.data.customer_id)).toEqual(['ann', 'ben', null]);
    expect(new Set([ann, ben, guest].map((response) => response.body.data.hold_id)).size).toBe(3);
    expect(annAgain.headers['idempotent-replayed']).toBe('true');
    expect(annAgain.body).toEqual(ann.body);
    expect(annOther.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await counts(product.id)).toEqual({ available: 7, holds: 3, orders: 0 });
  });

  it('should serve concurrent twins of two customers with one key each their own single hold', async () => {
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const key = randomUUID();

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        holdWithKey(key, {
          product_id: product.id,
          quantity: 1,
          customer_id: index % 2 === 0 ? 'cara' : 'dan',
        }),
      ),
    );

    expect(responses.every((response) => response.status === 201)).toBe(true);
    const holdOf = (customer: string) =>
      new Set(responses.filter((r) => r.body.data.customer_id === customer).map((r) => r.body.data.hold_id));
    expect(holdOf('cara').size).toBe(1);
    expect(holdOf('dan').size).toBe(1);
    expect(await counts(product.id)).toEqual({ available: 8, holds: 2, orders: 0 });
  });
});

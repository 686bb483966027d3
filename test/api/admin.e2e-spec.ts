import { StockMovement } from '../../src/products/stock/stock-movement.entity';
import { auditStock } from '../../src/database/stock-audit';
import { LOG_DESTINATION } from '../../src/observability/logging.module';
import { createProduct, reloadProduct } from '../factories/product.factory';
import { LogCapture } from '../utils/log-capture';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const TOKEN = 'admin-token-for-e2e-0123456789abcdef';
const ROTATED = 'second-admin-token-e2e-fedcba9876543210';
const HOUR_MS = 3_600_000;

/** The operator API: auth, products, stock, windows and limits, all through HTTP. */
describe('Admin API (e2e)', () => {
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await createTestApp(
      { ADMIN_API_TOKEN: `${TOKEN},${ROTATED}`, LOG_LEVEL: 'info' },
      { customize: (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(logs) },
    );
  });

  afterAll(async () => {
    await t.close();
  });

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const create = (body: Record<string, unknown>) => t.http.post('/api/admin/products').set(auth).send(body);
  const patch = (id: number, body: Record<string, unknown>) =>
    t.http.patch(`/api/admin/products/${id}`).set(auth).send(body);
  const stock = (id: number, body: Record<string, unknown>, key?: string) => {
    const request = t.http.post(`/api/admin/products/${id}/stock`).set(auth);
    return (key ? request.set('Idempotency-Key', key) : request).send(body);
  };
  const view = async (id: number) =>
    (await t.http.get(`/api/admin/products/${id}`).set(auth).expect(200)).body.data;
  const movements = (productId: number) =>
    t.dataSource.getRepository(StockMovement).find({ where: { productId }, order: { id: 'ASC' } });
  const hold = (body: Record<string, unknown>) => t.http.post('/api/holds').send(body);

  describe('authentication', () => {
    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', `Bearer ${TOKEN.replace('a', 'b')}`],
      ['a token prefix', `Bearer ${TOKEN.slice(0, -1)}`],
      ['another scheme', `Basic ${TOKEN}`],
      ['an empty bearer', 'Bearer '],
    ])(
      'should answer 401 UNAUTHORIZED with WWW-Authenticate: Bearer for %s, and create nothing',
      async (_, header) => {
        const before = await t.dataSource.query('SELECT COUNT(*) AS n FROM products');
        const request = t.http.post('/api/admin/products');
        const response = await (header ? request.set('Authorization', header) : request)
          .send({ name: 'x', price: '1.00', total_stock: 1 })
          .expect(401);

        expect(response.body).toEqual({
          status: 'error',
          code: 'UNAUTHORIZED',
          message: expect.stringContaining('Bearer'),
        });
        expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
        expect(await t.dataSource.query('SELECT COUNT(*) AS n FROM products')).toEqual(before);
      },
    );

    it('should log a refused token at warn without the token', async () => {
      const guess = `guessed-token-${'z'.repeat(30)}`;
      await t.http.get('/api/admin/products').set('Authorization', `Bearer ${guess}`).expect(401);

      const line = await logs.waitFor((l) => l.event === 'admin.unauthorized' && l.reason === 'wrong_token');
      expect(line.level).toBe('warn');
      expect(logs.lines.some((l) => JSON.stringify(l).includes(guess))).toBe(false);
      expect(logs.lines.some((l) => JSON.stringify(l).includes(TOKEN))).toBe(false);
    });

    it('should accept each configured token (rotation), on every route', async () => {
      const created = await create({ name: 'Rotation', price: '1.00', total_stock: 1 }).expect(201);
      await t.http
        .get(`/api/admin/products/${created.body.data.id}`)
        .set('Authorization', `Bearer ${ROTATED}`)
        .expect(200);
      await t.http.get('/api/admin/products').set('Authorization', `bearer ${TOKEN}`).expect(200);
    });
  });

  describe('POST /api/admin/products', () => {
    it('should create a product with every unit available, record the initial stock and log product.created', async () => {
      const response = await create({
        name: 'Sneaker drop',
        price: 129.9,
        total_stock: 500,
        sale_starts_at: '2030-12-01T10:00:00+01:00',
        sale_ends_at: '2030-12-01T10:00:00Z',
        max_per_customer: 2,
      }).expect(201);

      const id = response.body.data.id;
      expect(response.body).toEqual({
        status: 'success',
        data: {
          id: expect.any(Number),
          name: 'Sneaker drop',
          status: 'live',
          price: '129.90',
          total_stock: 500,
          available_stock: 500,
          sale_starts_at: '2030-12-01T09:00:00.000Z',
          sale_ends_at: '2030-12-01T10:00:00.000Z',
          max_per_customer: 2,
          queue_enabled: false,
          queue_admit_per_minute: 600,
          queue_admission_seconds: 300,
          queue_commitment: null,
          stock: { available: 500, held: 0, ordered_pending: 0, sold: 0, total: 500 },
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      });
      expect((await t.http.get(`/api/products/${id}`).expect(200)).body.data).toMatchObject({
        total_stock: 500,
        available_stock: 500,
        price: '129.90',
      });
      expect(await movements(id)).toEqual([
        expect.objectContaining({
          delta: 500,
          reason: 'initial stock',
          totalStock: 500,
          availableStock: 500,
        }),
      ]);
      expect((await logs.waitFor((l) => l.event === 'product.created' && l.product_id === id)).level).toBe(
        'info',
      );
    });

    it('should accept the bounds: price 0 and 99999999.99, total_stock 0 and 1 000 000 000, null window and limit', async () => {
      const low = await create({
        name: 'n',
        price: '0',
        total_stock: 0,
        sale_starts_at: null,
        sale_ends_at: null,
        max_per_customer: null,
      }).expect(201);
      const high = await create({
        name: 'x'.repeat(255),
        price: '99999999.99',
        total_stock: 1_000_000_000,
      }).expect(201);
      expect(low.body.data).toMatchObject({
        price: '0.00',
        total_stock: 0,
        max_per_customer: null,
        sale_starts_at: null,
      });
      expect(high.body.data).toMatchObject({ price: '99999999.99', total_stock: 1_000_000_000 });
      expect(await movements(low.body.data.id)).toEqual([]);
    });

    const valid = { name: 'Valid', price: '10.00', total_stock: 10 };
    it.each([
      ['name', { ...valid, name: undefined }],
      ['name', { ...valid, name: '' }],
      ['name', { ...valid, name: '   ' }],
      ['name', { ...valid, name: 'x'.repeat(256) }],
      ['name', { ...valid, name: 5 }],
      ['price', { ...valid, price: undefined }],
      ['price', { ...valid, price: '-1.00' }],
      ['price', { ...valid, price: '1.234' }],
      ['price', { ...valid, price: 1.234 }],
      ['price', { ...valid, price: '100000000.00' }],
      ['price', { ...valid, price: 1e21 }],
      ['price', { ...valid, price: 'ten' }],
      ['price', { ...valid, price: null }],
      ['total_stock', { ...valid, total_stock: -1 }],
      ['total_stock', { ...valid, total_stock: 1_000_000_001 }],
      ['total_stock', { ...valid, total_stock: 1.5 }],
      ['total_stock', { ...valid, total_stock: '10' }],
      ['sale_starts_at', { ...valid, sale_starts_at: '2030-12-01T09:00:00' }],
      ['sale_starts_at', { ...valid, sale_starts_at: '2030-02-30T09:00:00Z' }],
      ['sale_starts_at', { ...valid, sale_starts_at: 'tomorrow' }],
      ['sale_starts_at', { ...valid, sale_starts_at: 1_700_000_000 }],
      [
        'sale_ends_at',
        { ...valid, sale_starts_at: '2030-12-01T10:00:00Z', sale_ends_at: '2030-12-01T10:00:00Z' },
      ],
      [
        'sale_ends_at',
        { ...valid, sale_starts_at: '2030-12-01T10:00:00Z', sale_ends_at: '2030-12-01T09:00:00Z' },
      ],
      ['max_per_customer', { ...valid, max_per_customer: 0 }],
      ['max_per_customer', { ...valid, max_per_customer: 2.5 }],
      ['max_per_customer', { ...valid, max_per_customer: '2' }],
    ])('should refuse a bad %s with 422 and create nothing (%j)', async (field, body) => {
      const before = await t.dataSource.query('SELECT COUNT(*) AS n FROM products');
      const response = await create(body).expect(422);
      expect(response.body).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
      expect(Object.keys(response.body.errors)).toEqual([field]);
      expect(await t.dataSource.query('SELECT COUNT(*) AS n FROM products')).toEqual(before);
    });
  });

  describe('GET /api/admin/products', () => {
    it('should answer 404 PRODUCT_NOT_FOUND and 400 INVALID_ID', async () => {
      expect((await t.http.get('/api/admin/products/999999').set(auth).expect(404)).body.code).toBe(
        'PRODUCT_NOT_FOUND',
      );
      expect((await t.http.get('/api/admin/products/abc').set(auth).expect(400)).body.code).toBe(
        'INVALID_ID',
      );
    });

    it('should break the stock down into available, held, ordered_pending and sold', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 20, availableStock: 20 });
      const holds = [];
      for (const quantity of [1, 2, 3, 4]) {
        holds.push((await hold({ product_id: product.id, quantity }).expect(201)).body.data.hold_id);
      }
      const paid = (await t.http.post('/api/orders').send({ hold_id: holds[1] }).expect(201)).body.data.id;
      await t.http.post('/api/orders').send({ hold_id: holds[2] }).expect(201);
      const failed = (await t.http.post('/api/orders').send({ hold_id: holds[3] }).expect(201)).body.data.id;
      await sendWebhook(t.http, { event_id: 'evt_admin_paid', order_id: paid, status: 'paid' }).expect(200);
      await sendWebhook(t.http, { event_id: 'evt_admin_failed', order_id: failed, status: 'failed' }).expect(
        200,
      );

      expect((await view(product.id)).stock).toEqual({
        available: 14,
        held: 1,
        ordered_pending: 3,
        sold: 2,
        total: 20,
      });
    });

    it('should paginate admin views with meta', async () => {
      const response = await t.http.get('/api/admin/products?page=1&per_page=2').set(auth).expect(200);
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM products');
      expect(response.body.meta).toEqual({ page: 1, per_page: 2, total: Number(n) });
      expect(response.body.data).toHaveLength(2);
      expect(response.body.data[0].stock).toEqual(
        expect.objectContaining({ total: response.body.data[0].total_stock }),
      );
      await t.http.get('/api/admin/products?per_page=0').set(auth).expect(422);
    });
  });

  describe('PATCH /api/admin/products/:id', () => {
    it('should change the details, clear a window end and the limit with null, and log product.updated', async () => {
      const { body } = await create({
        name: 'Old',
        price: '5.00',
        total_stock: 5,
        sale_ends_at: '2031-01-01T00:00:00Z',
        max_per_customer: 3,
      }).expect(201);

      const response = await patch(body.data.id, {
        name: 'New',
        price: '4.50',
        sale_ends_at: null,
        max_per_customer: null,
      }).expect(200);

      expect(response.body.data).toMatchObject({
        name: 'New',
        price: '4.50',
        sale_ends_at: null,
        max_per_customer: null,
        total_stock: 5,
      });
      const line = await logs.waitFor((l) => l.event === 'product.updated' && l.product_id === body.data.id);
      expect(line.fields).toEqual(['name', 'price', 'sale_ends_at', 'max_per_customer']);
    });

    it.each([
      ['body', {}],
      ['name', { name: null }],
      ['name', { name: '' }],
      ['price', { price: null }],
      ['price', { price: '1.001' }],
      ['sale_starts_at', { sale_starts_at: 'soon' }],
      ['max_per_customer', { max_per_customer: 0 }],
      ['total_stock', { total_stock: 50 }],
      ['available_stock', { name: 'x', available_stock: 50 }],
    ])('should refuse a bad %s with 422 and change nothing (%j)', async (field, body) => {
      const product = await createProduct(t.dataSource, { name: 'Unchanged' });
      const response = await patch(product.id, body).expect(422);
      expect(Object.keys(response.body.errors)).toEqual([field]);
      expect(await reloadProduct(t.dataSource, product.id)).toMatchObject({
        name: 'Unchanged',
        price: '10.00',
        totalStock: 100,
      });
    });

    it('should refuse an end before the stored start (or a start after the stored end) with 422', async () => {
      const product = await createProduct(t.dataSource, {
        saleStartsAt: new Date('2031-01-01T10:00:00Z'),
        saleEndsAt: new Date('2031-01-01T12:00:00Z'),
      });
      expect(
        (await patch(product.id, { sale_ends_at: '2031-01-01T09:00:00Z' }).expect(422)).body.errors,
      ).toHaveProperty('sale_ends_at');
      expect(
        (await patch(product.id, { sale_starts_at: '2031-01-01T13:00:00Z' }).expect(422)).body.errors,
      ).toHaveProperty('sale_ends_at');
      await patch(product.id, { sale_starts_at: '2031-01-01T11:00:00Z' }).expect(200);
    });

    it('should answer 404 for an unknown product', async () => {
      expect((await patch(999_999, { name: 'x' }).expect(404)).body.code).toBe('PRODUCT_NOT_FOUND');
    });

    it('should apply a new price to orders created afterwards only', async () => {
      const product = await createProduct(t.dataSource, { price: '10.00' });
      const before = (await hold({ product_id: product.id, quantity: 2 }).expect(201)).body.data.hold_id;
      const oldOrder = (await t.http.post('/api/orders').send({ hold_id: before }).expect(201)).body.data;
      const after = (await hold({ product_id: product.id, quantity: 2 }).expect(201)).body.data.hold_id;

      await patch(product.id, { price: 7.25 }).expect(200);

      expect((await t.http.post('/api/orders').send({ hold_id: after }).expect(201)).body.data.amount).toBe(
        '14.50',
      );
      expect((await t.http.get(`/api/orders/${oldOrder.id}`).expect(200)).body.data.amount).toBe('20.00');
    });

    it('should apply a moved window to the next hold', async () => {
      const product = await createProduct(t.dataSource);
      await hold({ product_id: product.id, quantity: 1 }).expect(201);

      await patch(product.id, { sale_starts_at: new Date(Date.now() + HOUR_MS).toISOString() }).expect(200);
      expect((await hold({ product_id: product.id, quantity: 1 }).expect(409)).body.code).toBe(
        'SALE_NOT_STARTED',
      );

      await patch(product.id, { sale_starts_at: new Date(Date.now() - HOUR_MS).toISOString() }).expect(200);
      await hold({ product_id: product.id, quantity: 1 }).expect(201);

      await patch(product.id, { sale_ends_at: new Date(Date.now() - 1_000).toISOString() }).expect(200);
      expect((await hold({ product_id: product.id, quantity: 1 }).expect(409)).body.code).toBe('SALE_ENDED');

      await patch(product.id, { sale_ends_at: null, max_per_customer: 1 }).expect(200);
      await hold({ product_id: product.id, quantity: 1, customer_id: 'zoe' }).expect(201);
      expect(
        (await hold({ product_id: product.id, quantity: 1, customer_id: 'zoe' }).expect(409)).body.code,
      ).toBe('CUSTOMER_LIMIT_EXCEEDED');
    });
  });

  describe('POST /api/admin/products/:id/stock', () => {
    it('should restock and remove available units, record each movement and log stock.adjusted', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
      await hold({ product_id: product.id, quantity: 4 }).expect(201);

      const restocked = await stock(product.id, { delta: 15, reason: 'second shipment' }).expect(200);
      const removed = await stock(product.id, { delta: -21 }).expect(200);

      expect(restocked.body.data).toMatchObject({ total_stock: 25, available_stock: 21 });
      expect(removed.body.data.stock).toEqual({
        available: 0,
        held: 4,
        ordered_pending: 0,
        sold: 0,
        total: 4,
      });
      expect(await movements(product.id)).toEqual([
        expect.objectContaining({ delta: 15, reason: 'second shipment', totalStock: 25, availableStock: 21 }),
        expect.objectContaining({ delta: -21, reason: null, totalStock: 4, availableStock: 0 }),
      ]);
      const line = await logs.waitFor(
        (l) => l.event === 'stock.adjusted' && l.product_id === product.id && l.delta === -21,
      );
      expect(line).toMatchObject({ total_stock: 4, available_stock: 0 });
    });

    it('should refuse a removal larger than the available units with 409 INSUFFICIENT_STOCK and change nothing', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
      await hold({ product_id: product.id, quantity: 7 }).expect(201);

      const response = await stock(product.id, { delta: -4 }).expect(409);

      expect(response.body).toEqual({
        status: 'error',
        code: 'INSUFFICIENT_STOCK',
        message: 'Insufficient stock: requested 4, only 3 available',
      });
      expect(await reloadProduct(t.dataSource, product.id)).toMatchObject({
        totalStock: 10,
        availableStock: 3,
      });
      expect(await movements(product.id)).toEqual([]);
    });

    it('should not store a refused removal under its Idempotency-Key: the retry runs again once units are back', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 2 });

      const refused = await stock(product.id, { delta: -4 }, 'removal-shelf-3').expect(409);
      await t.dataSource.query('UPDATE products SET available_stock = 10 WHERE id = ?', [product.id]);
      const retried = await stock(product.id, { delta: -4 }, 'removal-shelf-3').expect(200);

      expect(refused.body.code).toBe('INSUFFICIENT_STOCK');
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(await reloadProduct(t.dataSource, product.id)).toMatchObject({
        totalStock: 6,
        availableStock: 6,
      });
      const missing = await stock(999_999, { delta: 1 }, 'restock-unknown').expect(404);
      const missingAgain = await stock(999_999, { delta: 1 }, 'restock-unknown').expect(404);
      expect([missing.body.code, missingAgain.headers['idempotent-replayed']]).toEqual([
        'PRODUCT_NOT_FOUND',
        undefined,
      ]);
    });

    it.each([
      ['delta', { delta: 0 }],
      ['delta', {}],
      ['delta', { delta: 1.5 }],
      ['delta', { delta: '5' }],
      ['delta', { delta: 1_000_000_001 }],
      ['delta', { delta: -1_000_000_001 }],
      ['reason', { delta: 1, reason: 'x'.repeat(256) }],
      ['reason', { delta: 1, reason: 7 }],
    ])('should refuse a bad %s with 422 (%j)', async (field, body) => {
      const product = await createProduct(t.dataSource);
      expect(Object.keys((await stock(product.id, body).expect(422)).body.errors)).toEqual([field]);
      expect(await reloadProduct(t.dataSource, product.id)).toMatchObject({
        totalStock: 100,
        availableStock: 100,
      });
    });

    it('should refuse a restock past 1 000 000 000 units with 422 and answer 404 for an unknown product', async () => {
      const product = await createProduct(t.dataSource, {
        totalStock: 999_999_999,
        availableStock: 999_999_999,
      });
      expect((await stock(product.id, { delta: 2 }).expect(422)).body.errors).toHaveProperty('delta');
      expect((await stock(999_999, { delta: 1 }).expect(404)).body.code).toBe('PRODUCT_NOT_FOUND');
    });

    it('should add a retried restock once with the same Idempotency-Key, and refuse the key for another product', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
      const other = await createProduct(t.dataSource);

      const first = await stock(product.id, { delta: 5 }, 'restock-2026-11-30').expect(200);
      const retries = await Promise.all(
        Array.from({ length: 5 }, () => stock(product.id, { delta: 5 }, 'restock-2026-11-30')),
      );
      const reused = await stock(other.id, { delta: 5 }, 'restock-2026-11-30').expect(422);

      expect(retries.map((response) => [response.status, response.headers['idempotent-replayed']])).toEqual(
        Array(5).fill([200, 'true']),
      );
      expect(retries[0].body).toEqual(first.body);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await reloadProduct(t.dataSource, product.id)).toMatchObject({
        totalStock: 15,
        availableStock: 15,
      });
      expect(await reloadProduct(t.dataSource, other.id)).toMatchObject({ totalStock: 100 });
    });

    it('should show a restock and a price change on the very next product read (cache invalidated)', async () => {
      const product = await createProduct(t.dataSource, {
        totalStock: 10,
        availableStock: 10,
        price: '10.00',
      });
      await t.http.get(`/api/products/${product.id}`).expect(200);
      await t.http.get(`/api/products/${product.id}`).expect(200);

      await stock(product.id, { delta: 90 }).expect(200);
      await patch(product.id, { price: '8.00' }).expect(200);

      const read = await t.http.get(`/api/products/${product.id}`).expect(200);
      expect(read.body.data).toMatchObject({ total_stock: 100, available_stock: 100, price: '8.00' });
    });

    it('should stay exact when a restock and a removal race 200 concurrent holds (audit and breakdown add up)', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 150, availableStock: 150 });

      const holds = Array.from({ length: 200 }, (_, index) =>
        hold({ product_id: product.id, quantity: (index % 3) + 1 }),
      );
      const [restock, removal] = await Promise.all([
        stock(product.id, { delta: 100 }),
        stock(product.id, { delta: -30 }),
      ]);
      const responses = await Promise.all(holds);

      expect(restock.status).toBe(200);
      expect([200, 409]).toContain(removal.status);
      expect(responses.every((response) => response.status === 201 || response.status === 409)).toBe(true);
      const held = responses
        .filter((r) => r.status === 201)
        .reduce((sum, r) => sum + (r.body.data.quantity as number), 0);
      const removed = removal.status === 200 ? 30 : 0;
      const after = await reloadProduct(t.dataSource, product.id);
      expect(after.totalStock).toBe(250 - removed);
      expect(after.availableStock).toBe(250 - removed - held);
      const audit = (await auditStock(t.dataSource)).find((row) => row.productId === product.id);
      expect(audit?.difference).toBe(0);
      const { stock: breakdown } = await view(product.id);
      expect(breakdown).toEqual({
        available: after.availableStock,
        held,
        ordered_pending: 0,
        sold: 0,
        total: after.totalStock,
      });
    });
  });
});

describe('Admin API disabled (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: '' });
  });

  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['get', '/api/admin/products'],
    ['get', '/api/admin/products/1'],
    ['post', '/api/admin/products'],
    ['patch', '/api/admin/products/1'],
    ['post', '/api/admin/products/1/stock'],
  ] as const)(
    'should answer %s %s with 403 ADMIN_DISABLED naming ADMIN_API_TOKEN, token or not',
    async (method, path) => {
      for (const header of [undefined, `Bearer ${TOKEN}`]) {
        const request = t.http[method](path);
        const response = await (header ? request.set('Authorization', header) : request).send({}).expect(403);
        expect(response.body).toEqual({
          status: 'error',
          code: 'ADMIN_DISABLED',
          message: expect.stringContaining('ADMIN_API_TOKEN'),
        });
      }
    },
  );
});

describe('Admin API rate limit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '3' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should limit each client before checking its token, so guessing tokens is bounded too', async () => {
    const guesses = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      guesses.push(
        await t.http
          .get('/api/admin/products')
          .set('Authorization', `Bearer wrong-${attempt}-${'x'.repeat(32)}`),
      );
    }

    expect(guesses.map((response) => response.status)).toEqual([401, 401, 401, 429]);
    expect(guesses[3].body.code).toBe('TOO_MANY_REQUESTS');
    expect(guesses[3].headers['retry-after']).toBeDefined();
  });
});

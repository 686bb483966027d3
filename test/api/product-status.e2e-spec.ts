import { SseClient } from '../utils/sse-client';
import { createTestApp, TestApp } from '../utils/test-app';

const TOKEN = 'status-admin-token-e2e-0123456789abcdef';

/** Drafts and archived products: the operator's only; publishing makes a product public at once. */
describe('Product status (e2e)', () => {
  let t: TestApp;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: TOKEN });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await t.close();
  });

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const create = (body: Record<string, unknown>) => t.http.post('/api/admin/products').set(auth).send(body);
  const patch = (id: number, body: Record<string, unknown>) =>
    t.http.patch(`/api/admin/products/${id}`).set(auth).send(body);
  const stream = (id: number) => {
    const client = new SseClient(`${t.url}/api/products/${id}/stream`);
    clients.push(client);
    return client;
  };

  /** Every public route answers as if there were no such product. */
  async function expectHidden(id: number): Promise<void> {
    const read = await t.http.get(`/api/products/${id}`).expect(404);
    expect(read.body).toMatchObject({ status: 'error', code: 'PRODUCT_NOT_FOUND' });
    const hold = await t.http.post('/api/holds').send({ product_id: id, quantity: 1 }).expect(404);
    expect(hold.body.code).toBe('PRODUCT_NOT_FOUND');
    const listed = await t.http.get('/api/products?per_page=200').expect(200);
    expect(listed.body.data.map((p: { id: number }) => p.id)).not.toContain(id);
    // The waiting room's public routes too: joining, the summary and the draw.
    const join = await t.http.post(`/api/products/${id}/queue`).send({ customer_id: 'c-hidden' }).expect(404);
    expect(join.body.code).toBe('PRODUCT_NOT_FOUND');
    for (const path of ['queue', 'queue/draw']) {
      const read = await t.http.get(`/api/products/${id}/${path}`).expect(404);
      expect(read.body.code).toBe('PRODUCT_NOT_FOUND');
    }
    const follower = stream(id);
    await follower.closed;
    expect(follower.status).toBe(404);
    expect(JSON.parse(follower.body)).toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
  }

  it('should create a draft that only the admin API sees, restock it, and publish it: readable, holdable and streamed at once', async () => {
    const created = await create({
      name: 'Secret drop',
      price: '50.00',
      total_stock: 3,
      status: 'draft',
    }).expect(201);
    const id = created.body.data.id as number;
    expect(created.body.data.status).toBe('draft');

    await expectHidden(id);
    await t.http
      .post(`/api/admin/products/${id}/stock`)
      .set(auth)
      .send({ delta: 2, reason: 'more' })
      .expect(200);
    const admin = await t.http.get(`/api/admin/products/${id}`).set(auth).expect(200);
    expect(admin.body.data).toMatchObject({ status: 'draft', total_stock: 5, available_stock: 5 });
    const adminList = await t.http.get('/api/admin/products?per_page=200').set(auth).expect(200);
    expect(adminList.body.data.map((p: { id: number }) => p.id)).toContain(id);
    // Asked for again: the streams' negative cache remembers the miss now.
    await expectHidden(id);

    const published = await patch(id, { status: 'live' }).expect(200);

    expect(published.body.data.status).toBe('live');
    expect((await t.http.get(`/api/products/${id}`).expect(200)).body.data).toMatchObject({
      id,
      name: 'Secret drop',
      available_stock: 5,
    });
    const listed = await t.http.get('/api/products?per_page=200').expect(200);
    expect(listed.body.data.map((p: { id: number }) => p.id)).toContain(id);
    await t.http.post('/api/holds').send({ product_id: id, quantity: 2 }).expect(201);
    const follower = stream(id);
    await follower.waitFor((c) => c.events.length > 0, 5_000, 'the published product');
    expect(follower.status).toBe(200);
    expect(follower.last?.data).toMatchObject({ id, available_stock: 3 });
  });

  it('should hide an archived product from every public route while the admin API still shows it', async () => {
    const created = await create({ name: 'Old drop', price: '5.00', total_stock: 4 }).expect(201);
    const id = created.body.data.id as number;
    expect(created.body.data.status).toBe('live');
    await t.http.get(`/api/products/${id}`).expect(200); // cached now

    const archived = await patch(id, { status: 'archived' }).expect(200);

    expect(archived.body.data.status).toBe('archived');
    await expectHidden(id);
    expect((await t.http.get(`/api/admin/products/${id}`).set(auth).expect(200)).body.data.status).toBe(
      'archived',
    );
  });

  it.each([
    ['an unknown status', { status: 'hidden' }],
    ['a null status', { status: null }],
  ])('should refuse %s with 422', async (_, body) => {
    const created = await create({ name: 'x', price: '1.00', total_stock: 1 }).expect(201);
    expect((await patch(created.body.data.id, body).expect(422)).body.code).toBe('VALIDATION_FAILED');
    expect((await create({ name: 'y', price: '1.00', total_stock: 1, ...body }).expect(422)).body.code).toBe(
      'VALIDATION_FAILED',
    );
  });
});

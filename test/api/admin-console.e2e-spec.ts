import { Page } from 'puppeteer-core';
import { useBrowser } from '../utils/chromium';
import { createTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = 'admin-console-spec-token-0123456789abcdef';
const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** Page-side code as strings: this project compiles without the DOM's types. */
const rowField = (id: number, field: string) =>
  `document.querySelector('#products tr[data-product-id="${id}"] [data-field="${field}"]')?.textContent`;

/** The operator console (GET /admin) in a real headless Chromium, against the real admin API. */
describe('Operator console page (e2e, headless Chromium)', () => {
  let t: TestApp;
  const browser = useBrowser();
  const { problems } = browser;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: `alice:${ADMIN_TOKEN}` });
  });

  beforeEach(() => {
    page = browser.page();
  });

  afterAll(async () => {
    await t?.close();
  });

  async function signIn(): Promise<void> {
    const response = await page.goto(`${t.url}/admin`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.type('#token', ADMIN_TOKEN);
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction("document.getElementById('status').dataset.state === 'live'", {
      timeout: 10_000,
      polling: 100,
    });
  }

  it('should serve the page, its module and its stylesheet under the strict CSP, outside /api', async () => {
    const html = await t.http
      .get('/admin')
      .expect(200)
      .expect('content-type', /text\/html/);
    const csp = String(html.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/script-src [^;]*'unsafe-inline'/);
    // No inline script: every <script> is a file of ours.
    const scripts = [...html.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes, body]) => [attributes.trim(), body.trim()])).toEqual([
      ['type="module" src="/admin/console.js"', ''],
    ]);
    await t.http
      .get('/admin/console.js')
      .expect(200)
      .expect('content-type', /text\/javascript/);
    await t.http
      .get('/admin/console.css')
      .expect(200)
      .expect('content-type', /text\/css/);
    // The admin API keeps its prefix and its guard.
    await t.http.get('/api/admin').expect(404);
    await t.http.get('/api/admin/products').expect(401);
  });

  it('should create a draft, restock it, publish it onto the public board and cancel a pending order', async () => {
    await page.setViewport({ width: 1280, height: 900 });
    await signIn();
    // The token lives in this tab's sessionStorage only.
    expect(await page.evaluate(`sessionStorage.getItem('flash-sale.admin-token')`)).toBe(ADMIN_TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('document.cookie')).toBe('');

    // Create a draft through the form.
    await page.click('#new-product');
    await page.type('#product-form [name="name"]', 'Console Drop');
    await page.type('#product-form [name="price"]', '25.50');
    await page.type('#product-form [name="total_stock"]', '10');
    await page.type('#product-form [name="max_per_customer"]', '3');
    expect(
      await page.$eval('#product-form [name="status"]', (e) => (e as unknown as { value: string }).value),
    ).toBe('draft');
    await page.click('#product-save');
    await page.waitForFunction(`document.getElementById('detail-name').textContent === 'Console Drop'`, {
      timeout: 5_000,
    });
    const id = Number(await page.$eval('#detail', (e) => e.getAttribute('data-product-id')));
    await page.waitForFunction(`${rowField(id, 'status')} === 'draft'`, { timeout: 5_000, polling: 100 });
    const created = await t.http.get(`/api/admin/products/${id}`).set(ADMIN).expect(200);
    expect(created.body.data).toMatchObject({
      name: 'Console Drop',
      price: '25.50',
      total_stock: 10,
      max_per_customer: 3,
      status: 'draft',
      queue_enabled: false,
    });
    await t.http.get(`/api/products/${id}`).expect(404);

    // Restock it.
    await page.type('#stock-form [name="delta"]', '5');
    await page.type('#stock-form [name="reason"]', 'second shipment');
    await page.click('#stock-form button[type="submit"]');
    await page.waitForFunction(`${rowField(id, 'stock')} === '15 / 15'`, { timeout: 5_000, polling: 100 });
    const ledger = await t.http.get(`/api/admin/products/${id}/movements`).set(ADMIN).expect(200);
    expect(ledger.body.data[0]).toMatchObject({
      kind: 'restock',
      delta: 5,
      reason: 'second shipment',
      actor: 'alice',
    });

    // Publish it: the public board, opened in another page, shows it with its stock.
    await page.click('#publish');
    await page.waitForFunction(`${rowField(id, 'status')} === 'live'`, { timeout: 5_000, polling: 100 });
    await t.http.get(`/api/products/${id}`).expect(200);
    const board = await browser.newPage();
    try {
      await board.goto(`${t.url}/`, { waitUntil: 'load' });
      await board.waitForSelector(`[data-product-id="${id}"] .available`, { timeout: 10_000 });
      expect(await board.$eval(`[data-product-id="${id}"] .name`, (e) => e.textContent)).toBe('Console Drop');
      expect(await board.$eval(`[data-product-id="${id}"] .available`, (e) => e.textContent)).toBe('15');
    } finally {
      await board.close();
    }
    await page.bringToFront();

    // A buyer holds two units and orders them; the console lists the pending order and cancels it.
    const hold = await t.http
      .post('/api/holds')
      .send({ product_id: id, quantity: 2, customer_id: 'cus_console' })
      .expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    const orderId: number = order.body.data.id;
    await page.waitForSelector(
      `#orders tr[data-order-id="${orderId}"][data-status="pending"] button.cancel`,
      {
        timeout: 5_000,
      },
    );
    await page.waitForFunction(`${rowField(id, 'pending')} === '2'`, { timeout: 5_000, polling: 100 });
    await page.click(`#orders tr[data-order-id="${orderId}"] button.cancel`);
    await page.type('#cancel-form [name="reason"]', 'customer asked by phone');
    await page.click('#cancel-form button[type="submit"]');
    await page.waitForSelector(`#orders tr[data-order-id="${orderId}"][data-status="cancelled"]`, {
      timeout: 5_000,
    });
    await page.waitForFunction(`${rowField(id, 'stock')} === '15 / 15'`, { timeout: 5_000, polling: 100 });
    const cancelled = await t.http.get(`/api/admin/orders/${orderId}`).set(ADMIN).expect(200);
    expect(cancelled.body.data).toMatchObject({ status: 'cancelled', cancel_reason: 'operator' });
    const movements = await t.http.get(`/api/admin/products/${id}/movements`).set(ADMIN).expect(200);
    expect(movements.body.data[0]).toMatchObject({
      kind: 'operator_cancel',
      delta: 2,
      reason: 'customer asked by phone',
      actor: 'alice',
      order_id: orderId,
    });
    expect(await page.$eval('#error', (e) => e.hasAttribute('hidden'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('should edit a product, turn its waiting room on and show the queue summary', async () => {
    const created = await t.http
      .post('/api/admin/products')
      .set(ADMIN)
      .send({ name: 'Queued Drop', price: '10.00', total_stock: 50, max_per_customer: 1 })
      .expect(201);
    const id: number = created.body.data.id;
    await signIn();
    await page.waitForSelector(`#products tr[data-product-id="${id}"] button.manage`, { timeout: 5_000 });
    await page.click(`#products tr[data-product-id="${id}"] button.manage`);
    await page.click('#edit');
    await page.click('#product-form [name="queue_enabled"]');
    const admit = await page.$('#product-form [name="queue_admit_per_minute"]');
    await admit!.click({ count: 3 });
    await admit!.type('120');
    await page.click('#product-save');
    await page.waitForFunction(`${rowField(id, 'queue')} === '120/min'`, { timeout: 5_000, polling: 100 });
    await page.waitForFunction(
      `document.getElementById('queue-summary').textContent.includes('120 admitted per minute')`,
      {
        timeout: 5_000,
      },
    );
    expect((await t.http.get(`/api/admin/products/${id}`).set(ADMIN).expect(200)).body.data).toMatchObject({
      queue_enabled: true,
      queue_admit_per_minute: 120,
      status: 'live',
    });
    expect(problems).toEqual([]);
  });

  it('should show an API error in the page', async () => {
    await signIn();
    await page.click('#new-product');
    await page.type('#product-form [name="name"]', 'Broken price');
    await page.type('#product-form [name="price"]', '12.345');
    await page.type('#product-form [name="total_stock"]', '1');
    await page.click('#product-save');
    await page.waitForSelector('#error:not([hidden])', { timeout: 5_000 });
    const text = await page.$eval('#error', (e) => e.textContent);
    expect(text).toMatch(/^VALIDATION_FAILED: .*price/);
    // The browser reports the refused request itself; nothing else went wrong.
    expect(problems.filter((problem) => !problem.includes('status of 422'))).toEqual([]);
  });
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'puppeteer-core';
import { createProduct } from '../factories/product.factory';
import { BOARD_STREAM_LIMITS, OUTPUT_DIR, useBrowser } from '../utils/chromium';
import { SseClient } from '../utils/sse-client';
import { createTestApp, TestApp } from '../utils/test-app';
import { EMBEDDED } from '../utils/test-env';

const ADMIN_TOKEN = 'sale-board-spec-admin-token-0123456789abcdef';

/** Page-side code as strings: this project compiles without the DOM's types. */
const LIVE = "document.getElementById('status').dataset.state === 'live'";
const BUSY = "document.getElementById('status').dataset.state === 'busy'";

/** The sale board (GET /) in a real headless Chromium: no console error, live stock via EventSource. */
describe('Sale board page (e2e, headless Chromium)', () => {
  let t: TestApp;
  const board = useBrowser();
  const { problems, availableOn } = board;
  let page: Page;

  beforeAll(async () => {
    // Prices in euros: the board follows PAYMENT_CURRENCY.
    t = await createTestApp({
      PAYMENT_CURRENCY: 'eur',
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ...BOARD_STREAM_LIMITS,
    });
  });

  beforeEach(() => {
    page = board.page();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should show the products and move the stock bar within 2 s of a hold made through the API', async () => {
    const featured = await createProduct(t.dataSource, {
      name: 'Limited Edition Flash Sale Item',
      totalStock: 200,
      availableStock: 100,
      price: '99.99',
    });
    await createProduct(t.dataSource, {
      name: 'Trail Running Shoes',
      totalStock: 50,
      availableStock: 8,
      price: '129.00',
    });
    await createProduct(t.dataSource, {
      name: 'Wireless Earbuds',
      totalStock: 120,
      availableStock: 0,
      price: '59.90',
    });
    const upcoming = await createProduct(t.dataSource, {
      name: 'Midnight Sneaker Drop',
      totalStock: 30,
      availableStock: 30,
      price: '180.00',
      saleStartsAt: new Date(Date.now() + 2 * 3600_000 + 5 * 60_000),
    });

    await page.setViewport({ width: 1100, height: 280 });
    const response = await page.goto(`${t.url}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    expect(await availableOn(featured.id)).toBe('100');
    expect(await page.$eval(`[data-product-id="${featured.id}"] .name`, (e) => e.textContent)).toBe(
      'Limited Edition Flash Sale Item',
    );
    expect(await page.$eval(`[data-product-id="${featured.id}"] .window`, (e) => e.textContent)).toBe(
      'On sale now',
    );
    expect(await page.$eval(`[data-product-id="${upcoming.id}"] .window`, (e) => e.textContent)).toMatch(
      /^Opens in 02:0\d:\d\d$/,
    );
    // PAYMENT_CURRENCY=eur, in the browser's locale: the amount as Intl formats it there, a euro sign.
    const price = await page.$eval(`[data-product-id="${featured.id}"] .price`, (e) => e.textContent);
    expect(price).toBe(
      await page.evaluate(
        "new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(99.99)",
      ),
    );
    expect(price).toContain('€');

    await t.http.post('/api/holds').send({ product_id: featured.id, quantity: 5 }).expect(201);
    await page.waitForFunction(
      `document.querySelector('[data-product-id="${featured.id}"] .available').textContent === '95'`,
      { timeout: 2_000, polling: 'mutation' },
    );

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({
      path: join(OUTPUT_DIR, `sale-board-${EMBEDDED ? 'embedded' : 'scale-out'}.png`),
    });
    expect(problems).toEqual([]);
  });

  it('should fit a phone screen without horizontal scrolling', async () => {
    await page.setViewport({ width: 375, height: 700, isMobile: true });
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  });

  it('should show a product created while the board is open within 10 s, without a reload', async () => {
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    // Gone if the page reloaded.
    await page.evaluate('window.boardSpecMarker = true');

    const created = await t.http
      .post('/api/admin/products')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ name: 'Surprise Drop', price: '42.00', total_stock: 7 })
      .expect(201);
    const id: number = created.body.data.id;
    await page.waitForSelector(`[data-product-id="${id}"]`, { timeout: 10_000 });
    expect(await availableOn(id)).toBe('7');
    expect(await page.$eval(`[data-product-id="${id}"] .name`, (e) => e.textContent)).toBe('Surprise Drop');
    expect(await page.evaluate('window.boardSpecMarker')).toBe(true);

    // And it is live like the others: a hold moves its bar.
    await t.http.post('/api/holds').send({ product_id: id, quantity: 2 }).expect(201);
    await page.waitForFunction(
      `document.querySelector('[data-product-id="${id}"] .available').textContent === '5'`,
      { timeout: 5_000, polling: 'mutation' },
    );
    // Cards stay in id order.
    const ids = (await page.$$eval('[data-product-id]', (cards) =>
      cards.map((card) => Number(card.getAttribute('data-product-id'))),
    )) as number[];
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(problems).toEqual([]);
  });

  it('should show a draft once it is published, and drop an archived product, within 10 s, without a reload', async () => {
    const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    // The draft's id is below a live product's: no stream watches it while the board is open.
    const draft = await t.http
      .post('/api/admin/products')
      .set(admin)
      .send({ name: 'Hidden Drop', price: '9.00', total_stock: 4, status: 'draft' })
      .expect(201);
    const later = await t.http
      .post('/api/admin/products')
      .set(admin)
      .send({ name: 'Shown Drop', price: '9.00', total_stock: 4 })
      .expect(201);
    const id: number = draft.body.data.id;
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    await page.waitForSelector(`[data-product-id="${later.body.data.id}"]`, { timeout: 10_000 });
    expect(await page.$(`[data-product-id="${id}"]`)).toBeNull();
    await page.evaluate('window.boardSpecMarker = true');

    await t.http.patch(`/api/admin/products/${id}`).set(admin).send({ status: 'live' }).expect(200);
    await page.waitForSelector(`[data-product-id="${id}"]`, { timeout: 10_000 });
    expect(await availableOn(id)).toBe('4');

    await t.http.patch(`/api/admin/products/${id}`).set(admin).send({ status: 'archived' }).expect(200);
    await page.waitForSelector(`[data-product-id="${id}"]`, { hidden: true, timeout: 10_000 });
    expect(await page.evaluate('window.boardSpecMarker')).toBe(true);
    expect(problems).toEqual([]);
  });
});

describe('Sale board page while its stream is refused (e2e, headless Chromium)', () => {
  let t: TestApp;
  const board = useBrowser();
  const { problems, availableOn } = board;

  beforeAll(async () => {
    // One stream on the process: the test's own client takes it, so the board is refused.
    t = await createTestApp({ STREAM_MAX_CONNECTIONS: '1', STREAM_MAX_PER_CLIENT: '16' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should keep retrying a refused stream and show the stock once a slot is free', async () => {
    const page = board.page();
    const product = await createProduct(t.dataSource, { totalStock: 20, availableStock: 20 });
    const blocker = new SseClient(`${t.url}/api/products/${product.id}/stream`);
    try {
      await blocker.waitFor((c) => c.last !== undefined, 5_000, 'the first event');
      await page.goto(`${t.url}/`, { waitUntil: 'load' });
      await page.waitForFunction(BUSY, { timeout: 10_000 });
      expect(await availableOn(product.id)).toBe('20');

      // Sold while the board cannot stream; then the slot frees and the board's retry gets in.
      await t.http.post('/api/holds').send({ product_id: product.id, quantity: 3 }).expect(201);
      blocker.close();
      await page.waitForFunction(
        `document.querySelector('[data-product-id="${product.id}"] .available').textContent === '17'`,
        { timeout: 15_000, polling: 'mutation' },
      );
      await page.waitForFunction(LIVE, { timeout: 5_000 });
      expect(problems).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});

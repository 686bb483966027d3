import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { createProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';
import { EMBEDDED } from '../utils/test-env';

/** Debian's chromium package (installed by .ci/run); puppeteer-core downloads no browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots land here (gitignored); docs/sale-board.png is one of them, checked in by hand. */
export const OUTPUT_DIR = join(__dirname, '..', 'output');

/** The sale board (GET /) in a real headless Chromium: no console error, live stock via EventSource. */
describe('Sale board page (e2e, headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let profile: string;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    profile = mkdtempSync(join(tmpdir(), 'flash-sale-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
      ],
    });
  });

  beforeEach(async () => {
    problems.length = 0;
    page = await browser.newPage();
    page.on('console', (message) => {
      const type = message.type();
      if (type === 'error' || type === 'warn') problems.push(`console ${type}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${(error as Error).message}`));
    page.on('requestfailed', (request) => {
      // The stream is cut when the page closes; anything else failing is a problem.
      if (!request.url().includes('/stream')) problems.push(`request failed: ${request.url()}`);
    });
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  /** Page-side code as strings: this project compiles without the DOM's types. */
  const LIVE = "document.getElementById('status').dataset.state === 'live'";

  function availableOn(productId: number): Promise<string | null> {
    return page.$eval(`[data-product-id="${productId}"] .available`, (element) => element.textContent);
  }

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
});

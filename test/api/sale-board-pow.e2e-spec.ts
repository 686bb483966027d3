import { useBrowser } from '../utils/chromium';
import { createTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = 'sale-board-pow-spec-admin-token-0123456789';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const LIVE = "document.getElementById('status').dataset.state === 'live'";

/** The board solves no ALTCHA proof of work: with QUEUE_POW_MAX_NUMBER on it says so (issue 24). */
describe('Sale board waiting room with proof of work on (e2e, headless Chromium)', () => {
  let t: TestApp;
  const board = useBrowser();
  const { problems } = board;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: ADMIN_TOKEN, QUEUE_POW_MAX_NUMBER: '1000' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should say that the board does not solve the proof of work, and join nothing', async () => {
    const page = board.page();
    const created = await t.http
      .post('/api/admin/products')
      .set(admin)
      .send({ name: 'Work Drop', price: '10.00', total_stock: 5, max_per_customer: 2, queue_enabled: true })
      .expect(201);
    const id: number = created.body.data.id;
    const join = `[data-product-id="${id}"] .join`;
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    await page.waitForSelector(join, { visible: true, timeout: 10_000 });
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith(`/api/products/${id}/queue`), {
        timeout: 5_000,
      }),
      page.click(join),
    ]);
    expect(answer.status()).toBe(403);
    await page.waitForFunction(
      `document.querySelector('[data-product-id="${id}"] .held')?.textContent ===
        'This queue asks for a proof of work, which this board does not solve: join from the shop.'`,
      { timeout: 5_000, polling: 'mutation' },
    );
    await page.waitForSelector(join, { visible: true, timeout: 2_000 });
    expect(await page.evaluate(`sessionStorage.getItem('flash-sale.ticket.${id}')`)).toBeNull();
    const summary = await t.http.get(`/api/products/${id}/queue`).expect(200);
    expect(summary.body.data.waiting).toBe(0);
    // The refused join is the only thing the browser reports (Chromium logs every 4xx answer).
    expect(problems).toEqual([
      'console error: Failed to load resource: the server responded with a status of 403 (Forbidden)',
    ]);
  });
});

import { createHash } from 'node:crypto';
import { HTTPRequest, Page } from 'puppeteer-core';
import { BOARD_STREAM_LIMITS, useBrowser } from '../utils/chromium';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';

const ADMIN_TOKEN = 'sale-board-queue-spec-admin-token-0123456789';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const LIVE = "document.getElementById('status').dataset.state === 'live'";

interface StoredTicket {
  ticket_id: string;
  nonce: string;
}

/** The sale board's Hold button and waiting room (issue 24) in a real headless Chromium. */
describe('Sale board buying and the waiting room (e2e, headless Chromium)', () => {
  let t: TestApp;
  const board = useBrowser();
  const { problems, availableOn } = board;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: ADMIN_TOKEN, ...BOARD_STREAM_LIMITS });
  });

  beforeEach(() => {
    page = board.page();
  });

  afterAll(async () => {
    await t?.close();
  });

  const createProduct = async (body: Record<string, unknown>) =>
    (
      await t.http
        .post('/api/admin/products')
        .set(admin)
        .send({ name: 'Drop', price: '10.00', max_per_customer: 2, ...body })
        .expect(201)
    ).body.data as { id: number };
  const card = (id: number, selector: string) => `[data-product-id="${id}"] ${selector}`;
  const textOf = (id: number, selector: string) =>
    page.$eval(card(id, selector), (element) => element.textContent) as Promise<string | null>;
  const visible = (id: number, selector: string) =>
    page.$eval(card(id, selector), (element) => !(element as unknown as { hidden: boolean }).hidden);
  /** Waits until the card's element reads exactly `text` (or matches it), as the page updates it. */
  const untilText = (id: number, selector: string, text: string, timeout: number) =>
    page.waitForFunction(
      `document.querySelector(${JSON.stringify(card(id, selector))})?.textContent === ${JSON.stringify(text)}`,
      { timeout, polling: 'mutation' },
    );
  const storedTicket = async (id: number) =>
    JSON.parse(
      (await page.evaluate(`sessionStorage.getItem('flash-sale.ticket.${id}')`)) as string,
    ) as StoredTicket;

  it('should join the queue, show the place, keep it over a reload, then hold with the admission', async () => {
    // One unit and a buyer admitted before the board: the board's ticket waits second in line
    // (never more unused admissions than available_stock) until a restock lets it in.
    const product = await createProduct({ name: 'Queued Drop', total_stock: 1, queue_enabled: true });
    const first = await t.http
      .post(`/api/products/${product.id}/queue`)
      .send({ customer_id: 'first-in-line' })
      .expect(201);
    const admitted = await pollUntil(async () => {
      const { body } = await t.http.get(`/api/products/${product.id}/queue/${first.body.data.ticket_id}`);
      return body.data.status === 'admitted' || undefined;
    }, Date.now() + 5_000);
    expect(admitted).toBe(true);

    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    await page.waitForSelector(card(product.id, '.join'), { visible: true, timeout: 10_000 });
    expect(await textOf(product.id, '.join')).toBe('Join the queue');
    expect(await visible(product.id, '.hold')).toBe(false);

    // Every request the page makes from here: the ticket is followed on its stream, not read.
    const requests: string[] = [];
    page.on('request', (request: HTTPRequest) => requests.push(`${request.method()} ${request.url()}`));
    await page.click(card(product.id, '.join'));
    await untilText(product.id, '.queue', 'Position 2, about 1 min', 5_000);
    expect(await visible(product.id, '.join')).toBe(false);
    expect(await visible(product.id, '.hold')).toBe(false);
    // The nonce is the browser's own (22+ URL-safe characters) and is the ticket's entry.
    const stored = await storedTicket(product.id);
    expect(stored.nonce).toMatch(/^[A-Za-z0-9_-]{22,128}$/);
    const read = await t.http.get(`/api/products/${product.id}/queue/${stored.ticket_id}`).expect(200);
    expect(read.body.data).toMatchObject({ status: 'waiting', position: 2, ahead: 0 });
    expect(read.body.data.entry_hash).toBe(createHash('sha256').update(stored.nonce, 'utf8').digest('hex'));

    // A reload keeps the place: the same ticket, followed again, no second join.
    await page.reload({ waitUntil: 'load' });
    await untilText(product.id, '.queue', 'Position 2, about 1 min', 5_000);
    expect((await storedTicket(product.id)).ticket_id).toBe(stored.ticket_id);

    // Units come back: the board's ticket is admitted, and its Hold button carries the token.
    await t.http.post(`/api/admin/products/${product.id}/stock`).set(admin).send({ delta: 3 }).expect(200);
    await page.waitForFunction(
      `/^It's your turn: hold within [45]:\\d\\d\\.$/.test(document.querySelector(${JSON.stringify(
        card(product.id, '.queue'),
      )})?.textContent ?? '')`,
      { timeout: 5_000, polling: 'mutation' },
    );
    await page.waitForSelector(card(product.id, '.hold'), { visible: true, timeout: 2_000 });
    await untilText(product.id, '.available', '4', 5_000);

    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/api/holds'), { timeout: 5_000 }),
      page.click(card(product.id, '.hold')),
    ]);
    expect(answer.status()).toBe(201);
    expect(answer.request().headers()['admission-token']).toEqual(expect.any(String));
    await untilText(product.id, '.available', '3', 5_000);
    expect(await textOf(product.id, '.held')).toMatch(/^Held 1 \(hold \d+\) until /);

    const ticketUrl = `${t.url}/api/products/${product.id}/queue/${stored.ticket_id}`;
    expect(requests.filter((request) => request.endsWith(`/api/products/${product.id}/queue`))).toEqual([
      `POST ${t.url}/api/products/${product.id}/queue`,
    ]);
    // Once before and once after the reload; the stream alone carried the place and the turn.
    expect(requests.filter((request) => request === `GET ${ticketUrl}/stream`)).toHaveLength(2);
    expect(requests.filter((request) => request === `GET ${ticketUrl}`)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('should keep the plain Hold button on a product without a queue', async () => {
    const product = await createProduct({ name: 'Open Drop', total_stock: 5 });
    const upcoming = await createProduct({
      name: 'Later Drop',
      total_stock: 5,
      sale_starts_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    await page.waitForSelector(card(product.id, '.hold'), { visible: true, timeout: 10_000 });
    // Not on sale yet: the button waits for the opening (the API would answer 409 SALE_NOT_STARTED).
    expect(
      await page.$eval(
        card(upcoming.id, '.hold'),
        (button) => (button as unknown as { disabled: boolean }).disabled,
      ),
    ).toBe(true);
    expect(
      await page.$eval(
        card(product.id, '.hold'),
        (button) => (button as unknown as { disabled: boolean }).disabled,
      ),
    ).toBe(false);
    expect(await visible(product.id, '.join')).toBe(false);
    expect(await textOf(product.id, '.queue')).toBe('');
    expect(await availableOn(product.id)).toBe('5');

    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/api/holds'), { timeout: 5_000 }),
      page.click(card(product.id, '.hold')),
    ]);
    expect(answer.status()).toBe(201);
    expect(answer.request().headers()['admission-token']).toBeUndefined();
    await untilText(product.id, '.available', '4', 5_000);
    expect(await textOf(product.id, '.held')).toMatch(/^Held 1 \(hold \d+\) until /);
    expect(problems).toEqual([]);
  });

  it('should say so when the stock runs out before the turn', async () => {
    const product = await createProduct({ name: 'Gone Drop', total_stock: 0, queue_enabled: true });
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    await page.waitForSelector(card(product.id, '.join'), { visible: true, timeout: 10_000 });
    await page.click(card(product.id, '.join'));
    await untilText(product.id, '.queue', 'Sold out before your turn.', 6_000);
    expect(await visible(product.id, '.hold')).toBe(false);
    expect(problems).toEqual([]);
  });
});

describe('Sale board waiting room while its ticket stream is refused (e2e, headless Chromium)', () => {
  let t: TestApp;
  const board = useBrowser();
  const { problems } = board;

  beforeAll(async () => {
    // One stream on the process: the board's stock stream takes it, so its ticket stream is refused.
    t = await createTestApp({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ...BOARD_STREAM_LIMITS,
      STREAM_MAX_CONNECTIONS: '1',
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should read the ticket every 2 s instead, and still show the place, the turn and the hold', async () => {
    const page = board.page();
    const card = (id: number, selector: string) => `[data-product-id="${id}"] ${selector}`;
    const untilText = (id: number, selector: string, text: string, timeout: number) =>
      page.waitForFunction(
        `document.querySelector(${JSON.stringify(card(id, selector))})?.textContent === ${JSON.stringify(text)}`,
        { timeout, polling: 'mutation' },
      );
    const created = await t.http
      .post('/api/admin/products')
      .set(admin)
      .send({ name: 'Busy Drop', price: '10.00', total_stock: 1, max_per_customer: 2, queue_enabled: true })
      .expect(201);
    const id: number = created.body.data.id;
    const first = await t.http.post(`/api/products/${id}/queue`).send({ customer_id: 'first' }).expect(201);
    const admitted = await pollUntil(async () => {
      const { body } = await t.http.get(`/api/products/${id}/queue/${first.body.data.ticket_id}`);
      return body.data.status === 'admitted' || undefined;
    }, Date.now() + 5_000);
    expect(admitted).toBe(true);

    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(LIVE, { timeout: 10_000 });
    const requests: string[] = [];
    page.on('request', (request: HTTPRequest) => requests.push(`${request.method()} ${request.url()}`));
    await page.waitForSelector(card(id, '.join'), { visible: true, timeout: 10_000 });
    await page.click(card(id, '.join'));
    await untilText(id, '.queue', 'Position 2, about 1 min', 5_000);

    await t.http.post(`/api/admin/products/${id}/stock`).set(admin).send({ delta: 3 }).expect(200);
    await page.waitForFunction(
      `/^It's your turn/.test(document.querySelector(${JSON.stringify(card(id, '.queue'))})?.textContent ?? '')`,
      { timeout: 6_000, polling: 'mutation' },
    );
    await untilText(id, '.available', '4', 5_000);
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/api/holds'), { timeout: 5_000 }),
      page.click(card(id, '.hold')),
    ]);
    expect(answer.status()).toBe(201);
    await untilText(id, '.available', '3', 5_000);

    const ticketId = JSON.parse(
      (await page.evaluate(`sessionStorage.getItem('flash-sale.ticket.${id}')`)) as string,
    ).ticket_id as string;
    const ticketUrl = `${t.url}/api/products/${id}/queue/${ticketId}`;
    // Refused (busy), then read instead: the reads carried the place and the turn.
    expect(requests.filter((request) => request === `GET ${ticketUrl}/stream`).length).toBeGreaterThanOrEqual(
      1,
    );
    expect(requests.filter((request) => request === `GET ${ticketUrl}`).length).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  });
});

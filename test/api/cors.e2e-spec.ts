import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser } from 'puppeteer-core';
import { createProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'cors-admin-token-e2e-0123456789abcdefgh';
const REFUSED = 'https://evil.example';

/** A storefront on another origin: a blank page served by a server of its own. */
async function startStorefront(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shop</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

/** CORS_ORIGINS: storefronts on their own origin call the public routes and follow the streams. */
describe('CORS (e2e)', () => {
  let t: TestApp;
  let storefront: { server: Server; origin: string };
  let api: string;

  beforeAll(async () => {
    storefront = await startStorefront();
    t = await createTestApp({
      CORS_ORIGINS: `https://shop.example.com, ${storefront.origin}`,
      ADMIN_API_TOKEN: TOKEN,
    });
    api = t.url.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => storefront.server.close(resolve));
  });

  const preflight = (path: string, origin: string, method = 'POST') =>
    t.http
      .options(path)
      .set('Origin', origin)
      .set('Access-Control-Request-Method', method)
      .set('Access-Control-Request-Headers', 'content-type,idempotency-key,authorization,admission-token');

  it('should answer a preflight from a listed origin with the allowed and exposed headers', async () => {
    const response = await preflight('/api/holds', 'https://shop.example.com').expect(204);

    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect(response.headers['access-control-allow-headers']).toBe(
      'Authorization, Idempotency-Key, Admission-Token, Content-Type',
    );
    expect(response.headers['access-control-allow-methods']).toBe('GET, HEAD, POST');
    expect(response.headers.vary).toMatch(/Origin/);

    const product = await createProduct(t.dataSource);
    const read = await t.http
      .get(`/api/products/${product.id}`)
      .set('Origin', 'https://shop.example.com')
      .expect(200);
    expect(read.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect(read.headers['access-control-expose-headers']).toBe('Retry-After, Idempotent-Replayed');
  });

  it('should give a refused origin no CORS headers, and its preflight no answer', async () => {
    const response = await preflight('/api/holds', REFUSED).expect(404);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();

    const read = await t.http.get('/api/products').set('Origin', REFUSED).expect(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    // A similar-looking origin is another origin: the match is exact.
    const near = await t.http.get('/api/products').set('Origin', 'https://shop.example.com.evil').expect(200);
    expect(near.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('should never answer CORS on the admin routes, even to a listed origin', async () => {
    const response = await preflight('/api/admin/products', 'https://shop.example.com', 'GET').expect(404);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();

    const read = await t.http
      .get('/api/admin/products')
      .set('Origin', 'https://shop.example.com')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let profile: string;

    beforeAll(async () => {
      profile = mkdtempSync(join(tmpdir(), 'flash-sale-chromium-'));
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`],
      });
    });

    afterAll(async () => {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    it('should let a storefront page follow a stream, hold with an Idempotency-Key and read the replay header, but not call the admin API', async () => {
      const product = await createProduct(t.dataSource, { totalStock: 9, availableStock: 9 });
      const page = await browser.newPage();
      await page.goto(`${storefront.origin}/`, { waitUntil: 'load' });

      const result = (await page.evaluate(
        `(async () => {
          const api = ${JSON.stringify(api)};
          const stock = await new Promise((resolve, reject) => {
            const source = new EventSource(api + '/api/products/${product.id}/stream');
            source.addEventListener('stock', (event) => { source.close(); resolve(JSON.parse(event.data)); });
            source.onerror = () => { source.close(); reject(new Error('stream error')); };
          });
          const hold = () => fetch(api + '/api/holds', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'cors-hold-1' },
            body: JSON.stringify({ product_id: ${product.id}, quantity: 2 }),
          });
          const first = await hold();
          const second = await hold();
          let admin;
          try {
            await fetch(api + '/api/admin/products', { headers: { Authorization: 'Bearer ${TOKEN}' } });
            admin = 'answered';
          } catch (error) {
            admin = 'blocked';
          }
          return {
            available: stock.available_stock,
            first: first.status,
            second: second.status,
            replayed: second.headers.get('Idempotent-Replayed'),
            admin,
          };
        })()`,
      )) as Record<string, unknown>;

      expect(result).toEqual({ available: 9, first: 201, second: 201, replayed: 'true', admin: 'blocked' });
      await page.close();
    });
  });
});

describe('CORS unset (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Empty is unset (the settings of the suite above stay in process.env).
    t = await createTestApp({ CORS_ORIGINS: '' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should send no CORS headers at all', async () => {
    const read = await t.http.get('/api/products').set('Origin', 'https://shop.example.com').expect(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    const response = await t.http
      .options('/api/holds')
      .set('Origin', 'https://shop.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

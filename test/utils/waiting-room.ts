import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { ApiProcess } from './scale-out';
import type { TestApp } from './test-app';

/** A waiting-room ticket as the API shows it (issue 24). */
export interface Ticket {
  ticket_id: string;
  product_id: number;
  customer_id: string | null;
  entry_hash: string;
  status: 'prequeue' | 'waiting' | 'admitted' | 'sold_out' | 'expired';
  position: number | null;
  admission_token: string | null;
  admission_expires_at: string | null;
}

/** GET /api/products/:id/queue/draw's data. */
export interface Draw {
  seed: string;
  commitment: string;
  tickets: string[];
}

export interface Answer {
  status: number;
  body: { data?: unknown; code?: string; message?: string };
}

export const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const hmachex = (key: string, text: string) =>
  createHmac('sha256', key).update(text, 'utf8').digest('hex');
/** A buyer's own randomness for the draw: 128 bits, URL-safe. */
export const nonce = () => randomBytes(16).toString('base64url');

/** The pre-queue's entry hashes in the order anyone recomputes from the revealed seed. */
export function recomputeDraw(seed: string, entryHashes: string[]): string[] {
  return [...entryHashes].sort((x, y) => (hmachex(seed, x) < hmachex(seed, y) ? -1 : 1));
}

/**
 * A product with a waiting room, made through the admin API of an in-process app: 100 units,
 * one per buyer, at 10.00, unless `body` says otherwise.
 */
export async function createQueuedProduct(
  app: TestApp,
  adminToken: string,
  body: Record<string, unknown> = {},
): Promise<{ id: number }> {
  const response = await app.http
    .post('/api/admin/products')
    .set({ Authorization: `Bearer ${adminToken}` })
    .send({
      name: 'Drop',
      price: '10.00',
      total_stock: 100,
      max_per_customer: 1,
      queue_enabled: true,
      ...body,
    })
    .expect(201);
  return response.body.data as { id: number };
}

/** One JSON request to an API process (`path` under /api). */
export async function call(
  api: ApiProcess,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${api.base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

/** The answer's data when its status is the expected one; otherwise the whole answer in the failure. */
export async function expectData<T>(answer: Promise<Answer>, status: number): Promise<T> {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body.data as T;
}

import http from 'node:http';

/** What one request got: a status with its body and the headers the checks need, or a network error. */
export interface Answer {
  route: string;
  sentAt: number;
  answeredAt: number;
  /** Absent when the request failed on the network (then `error` says how). */
  status?: number;
  error?: string;
  body?: { status?: string; code?: string; message?: string; data?: Record<string, unknown> };
  retryAfter?: string;
  /** Which API process answered (or failed to). */
  api: number;
}

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * One request on a connection of its own (no keep-alive pool: a pooled socket to a process
 * the nemesis just killed would fail requests that never reached a live one), bounded by a
 * timeout. Never rejects.
 */
export function request(
  url: string,
  method: 'GET' | 'POST',
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<Omit<Answer, 'route' | 'sentAt' | 'api'>> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = http.request(url, { method, agent: false, headers, timeout: REQUEST_TIMEOUT_MS });
    let settled = false;
    const done = (answer: Omit<Answer, 'route' | 'sentAt' | 'api' | 'answeredAt'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, answeredAt: Date.now() });
    };
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.once('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    req.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
      response.once('end', () => {
        let body: Answer['body'];
        try {
          body = JSON.parse(text) as Answer['body'];
        } catch {
          body = undefined;
        }
        const retryAfter = response.headers['retry-after'];
        done({
          status: response.statusCode ?? 0,
          body,
          retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
        });
      });
    });
    req.end(options.body);
  });
}

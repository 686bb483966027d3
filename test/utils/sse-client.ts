import http, { IncomingHttpHeaders } from 'node:http';

export interface StockEvent {
  id: number;
  event: string;
  data: { id: number; available_stock: number; total_stock: number; [field: string]: unknown };
  /** Date.now() when it was parsed. */
  at: number;
}

/**
 * A lean EventSource for tests: one raw HTTP GET on a connection of its own, parsing the
 * event stream as it arrives (hundreds of these are cheap, unlike browser polyfills).
 */
export class SseClient {
  readonly events: StockEvent[] = [];
  status = 0;
  headers: IncomingHttpHeaders = {};
  /** The body of a refusal (not an event stream). */
  body = '';
  retry: number | undefined;
  comments = 0;
  ended = false;
  private buffer = '';
  private readonly request: http.ClientRequest;
  private readonly listeners = new Set<() => void>();
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.request = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
    let resolveClosed!: () => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    this.opened = new Promise((resolve, reject) => {
      this.request.once('error', (error) => {
        this.ended = true;
        resolveClosed();
        reject(error);
      });
      this.request.once('response', (response) => {
        this.status = response.statusCode ?? 0;
        this.headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.onData(chunk));
        response.once('close', () => {
          this.ended = true;
          resolveClosed();
          this.notify();
        });
        resolve();
      });
    });
    this.opened.catch(() => undefined);
  }

  /** The `busy` events received (a refused stream sends one, then ends). */
  get busy(): StockEvent[] {
    return this.events.filter((event) => event.event === 'busy');
  }

  /** The last stock event received, if any. */
  get last(): StockEvent | undefined {
    const stock = this.events.filter((event) => event.event === 'stock');
    return stock[stock.length - 1];
  }

  /** Resolves once `predicate` holds (checked after each chunk), or rejects at the deadline. */
  waitFor(predicate: (client: SseClient) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`${what} not met within ${timeoutMs} ms; last event: ${JSON.stringify(this.last)}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  /** Stops reading (the socket's buffers fill and the server sees backpressure), or reads again. */
  pause(): void {
    this.request.socket?.pause();
  }

  resume(): void {
    this.request.socket?.resume();
  }

  close(): void {
    this.request.destroy();
  }

  private onData(chunk: string): void {
    if (this.status !== 200) {
      this.body += chunk;
      return;
    }
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      this.parse(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
    }
    this.notify();
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      fields[name] = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    }
    if (fields.retry !== undefined) this.retry = Number(fields.retry);
    if (fields.data === undefined) return;
    this.events.push({
      id: Number(fields.id),
      event: fields.event ?? 'message',
      data: JSON.parse(fields.data) as StockEvent['data'],
      at: Date.now(),
    });
  }

  private notify(): void {
    this.listeners.forEach((listener) => listener());
  }
}

/** Opens `count` clients at once and waits until each has its answer's headers. */
export async function openClients(url: string, count: number): Promise<SseClient[]> {
  const clients = Array.from({ length: count }, () => new SseClient(url));
  await Promise.all(clients.map((client) => client.opened));
  return clients;
}

/** Whether every client's ids strictly increase. */
export function idsIncrease(client: SseClient): boolean {
  return client.events.every((event, index) => index === 0 || event.id > client.events[index - 1].id);
}

/** A HEAD request: its status and headers, or a rejection if no answer came within `timeoutMs`. */
export function head(
  url: string,
  timeoutMs = 5_000,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'HEAD',
      agent: false,
      headers: { accept: 'text/event-stream' },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`HEAD ${url}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.once('response', (response) => {
      response.resume();
      response.once('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
      });
    });
    request.end();
  });
}

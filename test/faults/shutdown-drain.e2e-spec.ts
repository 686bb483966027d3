import { connect, Socket } from 'node:net';
import { createConnection } from 'mysql2/promise';
import { cleanEnv, runEntry, sparePort, stop, waitForAnswer } from '../utils/embedded';
import type { ChildRun } from '../utils/embedded';
import { pollUntil } from '../utils/poll';
import { dropDatabase, TEST_DB, uniqueDatabaseName } from '../utils/test-env';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The answers a server wrote on one socket, in order (each carries a Content-Length). */
function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe: Socket = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });
}

/**
 * A request that reaches an API process while it drains after SIGTERM, on a connection kept
 * alive behind a request still in flight (the server no longer accepts new connections, but
 * this one is open), is answered with the API's own 503 envelope, `Retry-After` and
 * `Connection: close`, never Fastify's bare closing 503 (chaos run, issue 26); the request in
 * flight still completes.
 */
describe('Requests arriving while an API process drains (e2e)', () => {
  const database = uniqueDatabaseName();
  let run: ChildRun | undefined;

  afterAll(async () => {
    await stop(run);
    await dropDatabase(database);
  });

  it('should answer a request pipelined behind one in flight with the 503 envelope and Retry-After, and finish the first', async () => {
    const port = await sparePort();
    run = runEntry(
      'main',
      cleanEnv({
        DB_TYPE: TEST_DB.type,
        DB_HOST: TEST_DB.host,
        DB_PORT: String(TEST_DB.port),
        DB_USERNAME: TEST_DB.user,
        DB_PASSWORD: TEST_DB.password,
        DB_DATABASE: database,
        // No Redis: the drain concerns HTTP only.
        REDIS_HOST: '',
        PORT: String(port),
        SHUTDOWN_TIMEOUT_SECONDS: '60',
        LOG_LEVEL: 'info',
      }),
    );
    expect(
      await waitForAnswer(`http://127.0.0.1:${port}/api/products/1`, run, Date.now() + 90_000),
    ).toBeDefined();

    // The test's own connection holds the product's row lock, so the hold below stays in flight.
    const lock = await createConnection({
      host: TEST_DB.host,
      port: TEST_DB.port,
      user: TEST_DB.user,
      password: TEST_DB.password,
      database,
    });
    const socket = connect(port, '127.0.0.1');
    const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    try {
      await lock.beginTransaction();
      await lock.query('SELECT id FROM products WHERE id = 1 FOR UPDATE');

      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await connected;
      const holdBody = JSON.stringify({ product_id: 1, quantity: 1 });
      socket.write(
        'POST /api/holds HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n' +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(holdBody)}\r\n\r\n${holdBody}`,
      );
      // The hold waits for the row lock: its locking read is in the process list, running.
      const waiting = await pollUntil(async () => {
        const [rows] = await lock.query(
          `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
            WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND = 'Query'
              AND INFO LIKE '%products%FOR UPDATE%' AND INFO NOT LIKE '%SKIP LOCKED%'`,
          [database],
        );
        return Number((rows as { n: number }[])[0].n) > 0 ? true : undefined;
      }, Date.now() + 30_000);
      expect({ waiting, raw, log: waiting ? '' : run.output().slice(-1500) }).toEqual({
        waiting: true,
        raw: '',
        log: '',
      });

      run.child.kill('SIGTERM');
      // The drain has begun: the port takes no new connection.
      expect(
        await pollUntil(
          async () => ((await refusesConnections(port)) ? true : undefined),
          Date.now() + 30_000,
        ),
      ).toBe(true);
      socket.write('GET /api/products/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');

      await lock.commit();
      // The server closes the connection after the refusal (Connection: close).
      await closed;

      const [first, second] = parseResponses(raw);
      expect({ status: first?.status, body: first?.body }).toMatchObject({ status: 201 });
      expect(second).toBeDefined();
      expect({ status: second.status, body: JSON.parse(second.body) as unknown }).toEqual({
        status: 503,
        body: {
          status: 'error',
          code: 'SERVICE_BUSY',
          message: 'This server is shutting down; retry shortly',
        },
      });
      expect(second.headers['retry-after']).toMatch(/^\d+$/);
      expect(second.headers.connection).toBe('close');
    } finally {
      socket.destroy();
      await lock.end().catch(() => undefined);
    }
    const { code } = await run.exited;
    expect(code).toBe(0);
  }, 150_000);
});

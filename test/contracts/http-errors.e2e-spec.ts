import { connect } from 'node:net';
import { createTestApp, TestApp } from '../utils/test-app';

/** One raw HTTP/1.1 exchange: what Node's parser and Fastify's router refuse never reaches supertest's helpers. */
function rawExchange(url: string, head: string): Promise<{ status: number; body: unknown }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(`${head}\r\n\r\n`));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    // The server may reset the socket once it has written its answer.
    socket.on('error', (error) => (received ? undefined : reject(error)));
    socket.on('close', () => {
      const [statusLine, ...rest] = received.split('\r\n');
      const body = rest.join('\r\n').split('\r\n\r\n').slice(1).join('\r\n\r\n');
      resolve({ status: Number(statusLine.split(' ')[1]), body: JSON.parse(body) as unknown });
    });
  });
}

describe('HTTP error envelope (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer 400 MALFORMED_JSON for a body that is not JSON', async () => {
    const response = await t.http
      .post('/api/holds')
      .set('Content-Type', 'application/json')
      .send('{"product_id": 1, "quantity": ')
      .expect(400);
    expect(response.body).toEqual({
      status: 'error',
      code: 'MALFORMED_JSON',
      message: 'The request body is not valid JSON',
    });
  });

  it('should answer 413 PAYLOAD_TOO_LARGE for a body over 1 MB', async () => {
    const response = await t.http
      .post('/api/holds')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ product_id: 1, quantity: 1, padding: 'x'.repeat(1024 * 1024) }))
      .expect(413);
    expect(response.body).toMatchObject({ status: 'error', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('should answer 415 UNSUPPORTED_MEDIA_TYPE for a non-JSON body', async () => {
    const response = await t.http
      .post('/api/holds')
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
    expect(response.body).toMatchObject({ status: 'error', code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it.each(['null', '"text"', '42', '[]'])('should answer 422 for the JSON body %s', async (body) => {
    const response = await t.http
      .post('/api/orders')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(422);
    expect(response.body).toEqual({
      status: 'error',
      code: 'VALIDATION_FAILED',
      message: 'The request is invalid',
      errors: { body: ['request body must be a JSON object'] },
    });
  });

  it('should answer 422 for a POST with no body at all', async () => {
    const response = await t.http.post('/api/holds').expect(422);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });

  it('should answer 400 BAD_REQUEST in the envelope for a path with a broken percent-encoding', async () => {
    const response = await t.http.get('/api/products/%zz').expect(400);
    expect(response.body).toEqual({
      status: 'error',
      code: 'BAD_REQUEST',
      message: 'The URL is not valid: a % must start an escape such as %20',
    });
  });

  it('should answer 414 URI_TOO_LONG in the envelope for a path segment over 100 characters', async () => {
    const response = await t.http.get(`/api/holds/${'1'.repeat(120)}`).expect(414);
    expect(response.body).toEqual({
      status: 'error',
      code: 'URI_TOO_LONG',
      message: 'A path segment is longer than 100 characters',
    });
  });

  it('should answer 431 HEADERS_TOO_LARGE in the envelope for headers over 16 KB (a huge Authorization)', async () => {
    const response = await rawExchange(
      t.url,
      `POST /api/holds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}`,
    );
    expect(response).toEqual({
      status: 431,
      body: {
        status: 'error',
        code: 'HEADERS_TOO_LARGE',
        message: 'The request headers are larger than 16 KB',
      },
    });
  });

  it('should answer 400 BAD_REQUEST in the envelope for a request Node cannot parse', async () => {
    const response = await rawExchange(t.url, 'GET /api/products/1 HTTP/1.1\r\nHost x');
    expect(response).toEqual({
      status: 400,
      body: { status: 'error', code: 'BAD_REQUEST', message: 'The request is not valid HTTP/1.1' },
    });
  });

  it('should never leak a stack trace or SQL in an error body', async () => {
    const response = await t.http.get('/api/orders/abc').expect(400);
    expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|SELECT|node_modules/);
  });
});

import { createTestApp, TestApp } from '../utils/test-app';

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

  it('should never leak a stack trace or SQL in an error body', async () => {
    const response = await t.http.get('/api/orders/abc').expect(400);
    expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|SELECT|node_modules/);
  });
});

import { createProduct } from '../factories/product.factory';
import { createTestApp, TestApp, TEST_WEBHOOK_SECRET } from '../utils/test-app';
import { signatureFor } from '../utils/webhook';

describe('Webhook signatures (e2e)', () => {
  describe('with PAYMENT_WEBHOOK_SECRET set', () => {
    let t: TestApp;
    let orderId: number;
    let seq = 0;

    beforeAll(async () => {
      t = await createTestApp();
      const product = await createProduct(t.dataSource);
      const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
      const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
      orderId = order.body.data.id;
    });

    afterAll(async () => {
      await t.close();
    });

    const payload = () => JSON.stringify({ event_id: `evt_sig_${++seq}`, order_id: orderId, status: 'paid' });
    const post = (body: string, signature?: string) => {
      const request = t.http.post('/api/payments/webhook').set('Content-Type', 'application/json');
      return (signature === undefined ? request : request.set('Stripe-Signature', signature)).send(body);
    };

    async function expectRefused(body: string, signature?: string) {
      const response = await post(body, signature).expect(401);
      expect(response.body).toMatchObject({ status: 'error', code: 'INVALID_SIGNATURE' });
      const order = await t.http.get(`/api/orders/${orderId}`).expect(200);
      expect(order.body.data.status).toBe('pending');
    }

    it('should refuse a request without a Stripe-Signature header', async () => {
      await expectRefused(payload());
    });

    it('should refuse a signature made with another secret', async () => {
      const body = payload();
      await expectRefused(body, signatureFor(body, { secret: 'whsec_someone_else' }));
    });

    it('should refuse a signature older than 300 s', async () => {
      const body = payload();
      await expectRefused(body, signatureFor(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    });

    it('should refuse a body changed after signing', async () => {
      const signed = payload();
      const tampered = signed.replace('"paid"', '"failed"');
      await expectRefused(tampered, signatureFor(signed));
    });

    it('should refuse a body re-serialised differently from the signed bytes', async () => {
      const signed = payload();
      const reformatted = JSON.stringify(JSON.parse(signed), null, 2);
      await expectRefused(reformatted, signatureFor(signed));
    });

    it.each(['garbage', 't=abc,v1=00', 'v1=deadbeef', `t=${Math.floor(Date.now() / 1000)}`, 't=,v1='])(
      'should refuse the malformed header %j',
      async (header) => {
        await expectRefused(payload(), header);
      },
    );

    it('should accept a valid signature listed beside another v1 (secret rotation)', async () => {
      const body = payload();
      const valid = signatureFor(body);
      const [timestamp, v1] = valid.split(',');
      const withExtra = `${timestamp},v1=${'0'.repeat(64)},${v1}`;

      const response = await post(body, withExtra).expect(200);

      expect(response.body.message).toBe('Payment processed');
    });

    it('should verify the raw bytes, so a valid signature over pretty-printed JSON is accepted', async () => {
      const [other] = await Promise.all([createProduct(t.dataSource)]);
      const hold = await t.http.post('/api/holds').send({ product_id: other.id, quantity: 1 }).expect(201);
      const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
      const body = JSON.stringify(
        { event_id: 'evt_pretty', order_id: order.body.data.id, status: 'paid' },
        null,
        2,
      );

      await post(body, signatureFor(body)).expect(200);
    });
  });

  describe('with PAYMENT_WEBHOOK_SECRET unset', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ PAYMENT_WEBHOOK_SECRET: '' });
    });

    afterAll(async () => {
      await t.close();
      process.env.PAYMENT_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
    });

    it('should accept unsigned events', async () => {
      const product = await createProduct(t.dataSource);
      const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 1 }).expect(201);
      const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);

      const response = await t.http
        .post('/api/payments/webhook')
        .send({ event_id: 'evt_unsigned', order_id: order.body.data.id, status: 'paid' })
        .expect(200);

      expect(response.body.message).toBe('Payment processed');
    });
  });
});

import { sqlDateTime } from '../../src/database/raw-sql';
import { auditStock } from '../../src/database/stock-audit';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { Order } from '../../src/orders/order.entity';
import { createProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';

/** Two app instances on one MariaDB and Redis cancelling the same unpaid orders at once. */
describe('Unpaid orders across app instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const settings = { ORDER_PAYMENT_TIMEOUT_SECONDS: '60', HOLD_SWEEP_INTERVAL_SECONDS: '3600' };
    a = await createTestApp(settings);
    b = await createTestApp({ ...settings, DB_DATABASE: a.databaseName, REDIS_PREFIX: a.databaseName });
  });

  afterAll(async () => {
    await b.close({ keepDatabase: true });
    await a.close();
  });

  it('should cancel each overdue order once when both instances sweep together, leaving younger orders', async () => {
    const products = await Promise.all(
      Array.from({ length: 4 }, () => createProduct(a.dataSource, { totalStock: 40, availableStock: 40 })),
    );
    const overdue: number[] = [];
    const young: number[] = [];
    for (const [index, product] of products.entries()) {
      for (let i = 0; i < 7; i++) {
        const via = (index + i) % 2 === 0 ? a : b;
        const hold = await via.http
          .post('/api/holds')
          .send({ product_id: product.id, quantity: 1 + (i % 3) });
        const order = await via.http
          .post('/api/orders')
          .send({ hold_id: hold.body.data.hold_id })
          .expect(201);
        (i < 6 ? overdue : young).push(order.body.data.id as number);
      }
    }
    await a.dataSource.query(`UPDATE orders SET created_at = ? WHERE id IN (${overdue.join(', ')})`, [
      sqlDateTime(new Date(Date.now() - 61_000)),
    ]);

    await Promise.all([a.app.get(ExpiredHoldsSweeper).run(), b.app.get(ExpiredHoldsSweeper).run()]);
    await Promise.all([a.app.get(ExpiredHoldsSweeper).run(), b.app.get(ExpiredHoldsSweeper).run()]);

    const orders = await a.dataSource.getRepository(Order).find({ order: { id: 'ASC' } });
    const byId = new Map(orders.map((order) => [order.id, order]));
    expect(overdue.map((id) => byId.get(id)?.cancelReason)).toEqual(overdue.map(() => 'payment_timeout'));
    expect(young.map((id) => byId.get(id)?.status)).toEqual(young.map(() => 'pending'));
    const audit = await auditStock(a.dataSource);
    expect(audit.map((row) => row.difference)).toEqual([0, 0, 0, 0]);
    // Only the younger orders' units are still out: 1 + 1 + 1 + 1 (i = 6 is quantity 1).
    expect(audit.map((row) => row.availableStock)).toEqual([39, 39, 39, 39]);
  });
});

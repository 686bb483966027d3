import type { DataSource } from 'typeorm';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import { createTestApp, TestApp } from '../utils/test-app';

/**
 * The schema's CHECK constraints are the last line of defence behind the services' locks:
 * whatever code (or operator) writes a row, the database itself refuses an oversell, a hold
 * both used and released, an unknown status. Each rule is shown twice, with the same
 * statement: accepted with a valid value, refused with an invalid one, so the refusal can
 * only come from the constraint. Both engines (MySQL/MariaDB once lost them: see the
 * MysqlCheckConstraints migration).
 */
describe('Schema constraints (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  const now = '2026-01-01 00:00:00.000';

  beforeAll(async () => {
    t = await createTestApp();
    db = t.dataSource;
  });

  afterAll(async () => {
    await t.close();
  });

  async function expectRefused(sql: string, params: unknown[]): Promise<void> {
    await expect(db.query(sql, params)).rejects.toThrow(/CHK_|constraint/i);
  }

  it('should refuse stock below zero or above the total, and a negative price', async () => {
    const product = await createProduct(db, { totalStock: 10, availableStock: 10 });
    const setStock = 'UPDATE products SET available_stock = ? WHERE id = ?';

    await db.query(setStock, [0, product.id]);
    await expectRefused(setStock, [-1, product.id]);
    await db.query(setStock, [10, product.id]);
    await expectRefused(setStock, [11, product.id]);
    await db.query('UPDATE products SET price = ? WHERE id = ?', ['0.00', product.id]);
    await expectRefused('UPDATE products SET price = ? WHERE id = ?', ['-0.01', product.id]);

    const [row] = await db.query('SELECT available_stock FROM products WHERE id = ?', [product.id]);
    expect(Number(row.available_stock)).toBe(10);
  });

  it('should refuse a hold that is both used and released, or of no units', async () => {
    const product = await createProduct(db);
    const hold = await insertHold(db, { productId: product.id, quantity: 2 });

    await db.query('UPDATE holds SET used_at = ? WHERE id = ?', [now, hold.id]);
    await expectRefused('UPDATE holds SET released_at = ? WHERE id = ?', [now, hold.id]);
    await db.query('UPDATE holds SET quantity = ? WHERE id = ?', [1, hold.id]);
    await expectRefused('UPDATE holds SET quantity = ? WHERE id = ?', [0, hold.id]);
  });

  it('should refuse an order of no units or with an unknown status', async () => {
    const product = await createProduct(db);
    const { body } = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 1 })
      .expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: body.data.hold_id }).expect(201);
    const id = order.body.data.id as number;

    await db.query('UPDATE orders SET status = ? WHERE id = ?', ['completed', id]);
    await expectRefused('UPDATE orders SET status = ? WHERE id = ?', ['refunded', id]);
    await expectRefused('UPDATE orders SET quantity = ? WHERE id = ?', [0, id]);
  });

  it('should refuse a cancel_reason on an order that is not cancelled, or an unknown one', async () => {
    const product = await createProduct(db);
    const { body } = await t.http
      .post('/api/holds')
      .send({ product_id: product.id, quantity: 1 })
      .expect(201);
    const order = await t.http.post('/api/orders').send({ hold_id: body.data.hold_id }).expect(201);
    const id = order.body.data.id as number;
    const cancel = 'UPDATE orders SET status = ?, cancel_reason = ? WHERE id = ?';

    await expectRefused(cancel, ['pending', 'payment_timeout', id]);
    await db.query(cancel, ['cancelled', 'payment_timeout', id]);
    await expectRefused(cancel, ['cancelled', 'changed_mind', id]);
    await expectRefused(cancel, ['completed', 'payment_failed', id]);
    await db.query(cancel, ['cancelled', 'payment_failed', id]);
  });

  it('should refuse a payment event with an unknown status or outcome', async () => {
    const insert =
      'INSERT INTO payment_events (event_id, order_id, status, outcome, payload_hash, received_at) VALUES (?, NULL, ?, ?, ?, ?)';

    await db.query(insert, ['evt_schema_ok', 'paid', 'ignored', 'x', now]);
    await expectRefused(insert, ['evt_schema_bad_status', 'refunded', 'ignored', 'x', now]);
    await expectRefused(insert, ['evt_schema_bad_outcome', 'paid', 'lost', 'x', now]);
  });

  it('should refuse a stock movement of zero units and a second database identity', async () => {
    const product = await createProduct(db);
    const insert =
      'INSERT INTO stock_movements (product_id, delta, reason, total_stock, available_stock, created_at) VALUES (?, ?, NULL, 10, 10, ?)';

    await db.query(insert, [product.id, 5, now]);
    await expectRefused(insert, [product.id, 0, now]);
    await expectRefused('INSERT INTO app_instance (id, instance_id, created_at) VALUES (?, ?, ?)', [
      2,
      'another',
      now,
    ]);
  });
});

import { Logger } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { databaseNow } from '../../src/database/db-clock';
import { ExpiredHoldsSweeper, SWEEP_BATCH_SIZE } from '../../src/expiry/working/expired-holds.sweeper';
import {
  UNPAID_ORDERS_BATCH_SIZE,
  UnpaidOrdersSweeper,
} from '../../src/expiry/working/unpaid-orders.sweeper';
import { Hold } from '../../src/holds/hold.entity';
import { Order } from '../../src/orders/order.entity';
import { Product } from '../../src/products/product.entity';
import { createProduct } from '../factories/product.factory';
import { betweenUnits } from '../utils/embedded';
import { holdsById, stockOf } from '../utils/expiry';
import { createTestApp, TestApp } from '../utils/test-app';

const FAILING_HOLDS = SWEEP_BATCH_SIZE + 50;
const FAILING_ORDERS = UNPAID_ORDERS_BATCH_SIZE + 50;

/**
 * The sweeper goes past a product whose release fails. That product's expired holds are the
 * oldest and more than a batch, so with the failing product kept in the candidate query every
 * batch would be its holds alone and the run would end with nothing released.
 */
describe('Sweeper progress past a failing product (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No periodic sweep: the test runs the one it looks at.
    t = await createTestApp({ HOLD_SWEEP_INTERVAL_SECONDS: '3600' });
  });

  afterAll(async () => {
    await t.close();
  });

  async function failuresCounted(): Promise<number> {
    const text = (await t.http.get('/metrics').expect(200)).text;
    return Number(/^flash_sale_sweep_product_failures_total (\S+)$/m.exec(text)?.[1] ?? 0);
  }

  /**
   * A product whose release must fail for real: its expired holds were written with its
   * stock left whole, so giving their units back would exceed total_stock, which the
   * release's guarded UPDATE refuses (an invariant broken by hand, as after a bad restore).
   */
  async function failingProductWithExpiredHolds(since: Date): Promise<Product> {
    return betweenUnits(t, async (dataSource) => {
      const product = await createProduct(dataSource, { totalStock: 1000, availableStock: 1000 });
      const rows = Array.from({ length: FAILING_HOLDS }, (_, i) =>
        Object.assign(new Hold(), {
          productId: product.id,
          quantity: 1,
          // Oldest first: an hour before the others, one millisecond apart.
          holdExpiresAt: new Date(since.getTime() - 3_600_000 + i),
          createdAt: new Date(since.getTime() - 3_720_000),
        }),
      );
      for (let i = 0; i < rows.length; i += 50) {
        await dataSource.getRepository(Hold).insert(rows.slice(i, i + 50));
      }
      return product;
    });
  }

  /** A healthy product with `count` holds of 2 units that expired a minute ago (stock taken). */
  async function productWithExpiredHolds(
    since: Date,
    count: number,
  ): Promise<{ product: Product; ids: number[] }> {
    return betweenUnits(t, async (dataSource) => {
      const product = await createProduct(dataSource, { totalStock: 50, availableStock: 50 - 2 * count });
      const rows = Array.from({ length: count }, () =>
        Object.assign(new Hold(), {
          productId: product.id,
          quantity: 2,
          holdExpiresAt: new Date(since.getTime() - 60_000),
          createdAt: new Date(since.getTime() - 180_000),
        }),
      );
      const result = await dataSource.getRepository(Hold).insert(rows);
      return { product, ids: result.identifiers.map((identifier) => Number(identifier.id)) };
    });
  }

  it('should release the other products in the same run, and log and count the failing one', async () => {
    const now = await betweenUnits(t, (dataSource) => databaseNow(dataSource.manager));
    const failing = await failingProductWithExpiredHolds(now);
    const first = await productWithExpiredHolds(now, 5);
    const second = await productWithExpiredHolds(now, 3);
    const failuresBefore = await failuresCounted();
    const warn = jest.spyOn(Logger.prototype, 'warn');

    let released: number;
    let warnings: unknown[][];
    try {
      released = await t.app.get(ExpiredHoldsSweeper).run();
      warnings = [...warn.mock.calls];
    } finally {
      warn.mockRestore();
    }

    expect(released).toBe(8);
    const rows = await holdsById(t, [...first.ids, ...second.ids]);
    expect(rows.filter((row) => row.releasedAt === null)).toEqual([]);
    expect(await stockOf(t, first.product.id)).toBe(50);
    expect(await stockOf(t, second.product.id)).toBe(50);
    // The failing product: nothing released, tried once in the run, logged and counted once.
    const stuck = await betweenUnits(t, (dataSource) =>
      dataSource.getRepository(Hold).countBy({ productId: failing.id, releasedAt: IsNull() }),
    );
    expect(stuck).toBe(FAILING_HOLDS);
    const failures = warnings.filter(
      ([fields]) => (fields as { event?: string }).event === 'holds.sweep_product_failed',
    );
    expect(failures).toEqual([
      [expect.objectContaining({ event: 'holds.sweep_product_failed', product_id: failing.id })],
    ]);
    expect((await failuresCounted()) - failuresBefore).toBe(1);
  });

  describe('the payment-timeout pass', () => {
    async function orderTimeoutFailuresCounted(): Promise<number> {
      const text = (await t.http.get('/metrics').expect(200)).text;
      return Number(/^flash_sale_order_timeout_product_failures_total (\S+)$/m.exec(text)?.[1] ?? 0);
    }

    /**
     * `count` pending orders of one unit, each from a used hold, created `ageMs` before `since`
     * (1 ms apart, oldest first), with the product's stock as `available` says.
     */
    async function productWithPendingOrders(
      since: Date,
      { count, ageMs, total, available }: { count: number; ageMs: number; total: number; available: number },
    ): Promise<{ product: Product; ids: number[] }> {
      return betweenUnits(t, async (dataSource) => {
        const product = await createProduct(dataSource, { totalStock: total, availableStock: available });
        const ids: number[] = [];
        for (let i = 0; i < count; i += 50) {
          const createdAt = (k: number) => new Date(since.getTime() - ageMs + k);
          const slice = Array.from({ length: Math.min(50, count - i) }, (_, j) => i + j);
          const holds = await dataSource.getRepository(Hold).insert(
            slice.map((k) =>
              Object.assign(new Hold(), {
                productId: product.id,
                quantity: 1,
                holdExpiresAt: new Date(createdAt(k).getTime() + 60_000),
                createdAt: createdAt(k),
                usedAt: createdAt(k),
              }),
            ),
          );
          const orders = await dataSource.getRepository(Order).insert(
            slice.map((k, index) =>
              Object.assign(new Order(), {
                holdId: Number(holds.identifiers[index].id),
                productId: product.id,
                customerId: null,
                quantity: 1,
                amount: '10.00',
                status: 'pending',
                cancelReason: null,
                paymentIdempotencyKey: null,
                createdAt: createdAt(k),
                updatedAt: createdAt(k),
              }),
            ),
          );
          ids.push(...orders.identifiers.map((identifier) => Number(identifier.id)));
        }
        return { product, ids };
      });
    }

    const statusesOf = (ids: number[]) =>
      betweenUnits(t, async (dataSource) =>
        (await dataSource.getRepository(Order).findBy({ id: In(ids) })).map((order) => order.status),
      );

    /**
     * The failing product's overdue orders are the oldest and more than a batch; giving their
     * units back would exceed total_stock (stock left whole by hand, as after a bad restore),
     * which the cancellation's guarded UPDATE refuses.
     */
    it('should cancel the other products in the same pass, and log and count the failing one', async () => {
      const now = await betweenUnits(t, (dataSource) => databaseNow(dataSource.manager));
      const failing = await productWithPendingOrders(now, {
        count: FAILING_ORDERS,
        ageMs: 3 * 3_600_000,
        total: 1000,
        available: 1000,
      });
      const first = await productWithPendingOrders(now, {
        count: 5,
        ageMs: 3_600_000,
        total: 50,
        available: 45,
      });
      const second = await productWithPendingOrders(now, {
        count: 3,
        ageMs: 3_600_000,
        total: 50,
        available: 47,
      });
      const failuresBefore = await orderTimeoutFailuresCounted();
      const warn = jest.spyOn(Logger.prototype, 'warn');

      let cancelled: number;
      let warnings: unknown[][];
      try {
        cancelled = await t.app.get(UnpaidOrdersSweeper).sweep();
        warnings = [...warn.mock.calls];
      } finally {
        warn.mockRestore();
      }

      expect(cancelled).toBe(8);
      expect(new Set(await statusesOf([...first.ids, ...second.ids]))).toEqual(new Set(['cancelled']));
      expect(await stockOf(t, first.product.id)).toBe(50);
      expect(await stockOf(t, second.product.id)).toBe(50);
      // The failing product: nothing cancelled, tried once in the pass, logged and counted once.
      expect(new Set(await statusesOf(failing.ids))).toEqual(new Set(['pending']));
      expect(await stockOf(t, failing.product.id)).toBe(1000);
      const failures = warnings.filter(
        ([fields]) => (fields as { event?: string }).event === 'orders.payment_timeout_product_failed',
      );
      expect(failures).toEqual([
        [
          expect.objectContaining({
            event: 'orders.payment_timeout_product_failed',
            product_id: failing.product.id,
          }),
        ],
      ]);
      expect((await orderTimeoutFailuresCounted()) - failuresBefore).toBe(1);
    });
  });
});

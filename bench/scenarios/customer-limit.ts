import autocannon from 'autocannon';
import type { CpuPerRequest } from '../lib/cpu';
import { connect } from '../lib/database';
import { settle, type LoadResult } from '../lib/http-load';

/** Customers the load cycles through, and the product's limit: a realistic drop, few refusals. */
const CUSTOMERS = 10_000;
const MAX_PER_CUSTOMER = 5;

/**
 * Scenario 1 again on a product with `max_per_customer`: each request names one of
 * CUSTOMERS customers (in turn), so every batch also reads the database clock and sums its
 * customers' live units. The cost of the limit is this against the hot product (which has
 * none). Books: every unit taken is in a stored hold, no customer has more than the limit,
 * every answer is a 201 or a 409 CUSTOMER_LIMIT_EXCEEDED.
 */
export async function customerLimit(
  appUrl: string,
  database: string,
  options: {
    connections: number;
    durationSeconds: number;
    warmupSeconds: number;
    /** Wraps the measured run (the CPU meters of scenario 1). */
    measure: <T extends { ok: number }>(
      work: () => Promise<T>,
    ) => Promise<T & { cpuMicrosPerRequest: CpuPerRequest }>;
  },
) {
  const connection = await connect(database);
  try {
    const [inserted] = await connection.query(
      'INSERT INTO products (name, total_stock, available_stock, price, max_per_customer, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3))',
      [`Bench limited product ${Date.now()}`, 100_000_000, 100_000_000, '9.99', MAX_PER_CUSTOMER],
    );
    const productId = (inserted as { insertId: number }).insertId;
    let next = 0;
    const run = async (seconds: number): Promise<LoadResult & { refusals: number }> => {
      const result = await autocannon({
        url: appUrl,
        connections: options.connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/api/holds',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({
                product_id: productId,
                quantity: 1,
                customer_id: `cus_${next++ % CUSTOMERS}`,
              }),
            }),
          },
        ],
      });
      const durationSeconds = result.duration || seconds;
      return {
        ok: result['2xx'],
        perSecond: Math.round(result['2xx'] / durationSeconds),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        refusals: result['4xx'],
        durationSeconds,
      };
    };
    const storedHolds = async () => {
      const [[row]] = (await connection.query('SELECT COUNT(*) AS n FROM holds WHERE product_id = ?', [
        productId,
      ])) as unknown as [Array<{ n: number | string }>];
      return Number(row.n);
    };
    await run(options.warmupSeconds);
    await settle(storedHolds);
    const load = await options.measure(() => run(options.durationSeconds));
    await settle(storedHolds);

    const [[stock]] = (await connection.query(
      `SELECT p.total_stock - p.available_stock AS taken,
         (SELECT COALESCE(SUM(quantity), 0) FROM holds WHERE product_id = ?) AS held,
         (SELECT COALESCE(MAX(units), 0) FROM (SELECT SUM(quantity) AS units FROM holds WHERE product_id = ? GROUP BY customer_id) c) AS most
       FROM products p WHERE p.id = ?`,
      [productId, productId, productId],
    )) as unknown as [Array<{ taken: number | string; held: number | string; most: number | string }>];
    const books = {
      unitsTaken: Number(stock.taken),
      unitsInStoredHolds: Number(stock.held),
      mostUnitsOneCustomer: Number(stock.most),
    };
    const failures: string[] = [];
    if (books.unitsTaken !== books.unitsInStoredHolds) {
      failures.push(
        `customer limit: ${books.unitsTaken} units taken but ${books.unitsInStoredHolds} in holds`,
      );
    }
    if (books.mostUnitsOneCustomer > MAX_PER_CUSTOMER) {
      failures.push(
        `customer limit: a customer holds ${books.mostUnitsOneCustomer} units, over the limit of ${MAX_PER_CUSTOMER}`,
      );
    }
    if (load.errors > 0 || load.non2xx !== load.refusals) {
      failures.push(
        `customer limit: ${load.errors} errors, ${load.non2xx - load.refusals} non-2xx other than 4xx`,
      );
    }
    return { ...load, customers: CUSTOMERS, maxPerCustomer: MAX_PER_CUSTOMER, accounting: books, failures };
  } finally {
    await connection.end();
  }
}

import type { StockReport } from './mysql-store';

/** The part of a better-sqlite3 connection the benchmark uses (the package ships no types). */
interface SqliteDatabase {
  prepare(sql: string): {
    run(...parameters: unknown[]): { lastInsertRowid: number | bigint };
    get(...parameters: unknown[]): unknown;
  };
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (
  path: string,
  options?: { timeout?: number },
) => SqliteDatabase;

/** DATETIME(3) in UTC, as TypeORM stores it on SQLite. */
function sqlNow(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Direct access to the embedded database for the benchmark's setup and accounting. The app
 * holds its SQLite file exclusively while it runs, so this opens it only while the app is stopped.
 */
export function sqliteStore(path: string) {
  const db = new Database(path, { timeout: 5_000 });
  return {
    createProduct(stock: number, price = '9.99'): number {
      const now = sqlNow();
      const result = db
        .prepare(
          'INSERT INTO products (name, total_stock, available_stock, price, created_at, updated_at) ' +
            'VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(`Bench product ${Date.now()}`, stock, stock, price, now, now);
      return Number(result.lastInsertRowid);
    },
    /** A waiting-room product whose sale starts tomorrow: buyers join, nobody is admitted yet. */
    createQueueProduct(stock: number): number {
      const now = sqlNow();
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().replace('T', ' ').replace('Z', '');
      const result = db
        .prepare(
          'INSERT INTO products (name, total_stock, available_stock, price, max_per_customer, queue_enabled, ' +
            'queue_admit_per_minute, queue_admission_seconds, sale_starts_at, created_at, updated_at) ' +
            "VALUES (?, ?, ?, '9.99', 5, 1, 1200, 3600, ?, ?, ?)",
        )
        .run(`Bench queue product ${Date.now()}`, stock, stock, tomorrow, now, now);
      return Number(result.lastInsertRowid);
    },
    stockReport(productId: number): StockReport {
      const product = db
        .prepare('SELECT total_stock, available_stock FROM products WHERE id = ?')
        .get(productId) as {
        total_stock: number;
        available_stock: number;
      };
      const holds = db
        .prepare(
          'SELECT COUNT(*) AS holds, COALESCE(SUM(quantity), 0) AS units FROM holds WHERE product_id = ?',
        )
        .get(productId) as { holds: number; units: number };
      return {
        totalStock: product.total_stock,
        availableStock: product.available_stock,
        holds: Number(holds.holds),
        heldUnits: Number(holds.units),
      };
    },
    close: () => db.close(),
  };
}

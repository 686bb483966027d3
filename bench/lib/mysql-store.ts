import { connect } from './database';

export interface StockReport {
  totalStock: number;
  availableStock: number;
  holds: number;
  heldUnits: number;
}

/** Direct database access for the benchmark's setup and its after-the-fact accounting. */
export async function mysqlStore(database: string) {
  const connection = await connect(database);
  return {
    async createProduct(stock: number, price = '9.99'): Promise<number> {
      const [result] = await connection.query(
        'INSERT INTO products (name, total_stock, available_stock, price, created_at, updated_at) VALUES (?, ?, ?, ?, NOW(3), NOW(3))',
        [`Bench product ${Date.now()}`, stock, stock, price],
      );
      return (result as { insertId: number }).insertId;
    },
    async stockReport(productId: number): Promise<StockReport> {
      const [[product]] = (await connection.query(
        'SELECT total_stock, available_stock FROM products WHERE id = ?',
        [productId],
      )) as unknown as [Array<{ total_stock: number; available_stock: number }>];
      const [[holds]] = (await connection.query(
        'SELECT COUNT(*) AS holds, COALESCE(SUM(quantity), 0) AS units FROM holds WHERE product_id = ?',
        [productId],
      )) as unknown as [Array<{ holds: number; units: string }>];
      return {
        totalStock: product.total_stock,
        availableStock: product.available_stock,
        holds: Number(holds.holds),
        heldUnits: Number(holds.units),
      };
    },
    close: () => connection.end(),
  };
}

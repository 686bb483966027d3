import type { DataSource } from 'typeorm';

export interface StockAuditRow {
  productId: number;
  totalStock: number;
  availableStock: number;
  unitsInActiveHolds: number;
  unitsInLiveOrders: number;
  /** total - available - active holds - live orders: 0 when every unit is accounted for. */
  difference: number;
}

/**
 * Every unit a product is missing from `available_stock` must sit in exactly one place:
 * an active hold (not used, not released, expired or not) or a pending/completed order.
 * A non-zero difference means a unit was lost or doubled. (Products created with
 * available < total, like the original's seed, start with that gap.)
 */
export async function auditStock(dataSource: DataSource): Promise<StockAuditRow[]> {
  const rows: Array<Record<string, string | number>> = await dataSource.query(`
    SELECT p.id AS product_id, p.total_stock, p.available_stock,
      (SELECT COALESCE(SUM(h.quantity), 0) FROM holds h
        WHERE h.product_id = p.id AND h.used_at IS NULL AND h.released_at IS NULL) AS held,
      (SELECT COALESCE(SUM(o.quantity), 0) FROM orders o
        WHERE o.product_id = p.id AND o.status IN ('pending', 'completed')) AS ordered
    FROM products p ORDER BY p.id`);
  return rows.map((row) => {
    const totalStock = Number(row.total_stock);
    const availableStock = Number(row.available_stock);
    const unitsInActiveHolds = Number(row.held);
    const unitsInLiveOrders = Number(row.ordered);
    return {
      productId: Number(row.product_id),
      totalStock,
      availableStock,
      unitsInActiveHolds,
      unitsInLiveOrders,
      difference: totalStock - availableStock - unitsInActiveHolds - unitsInLiveOrders,
    };
  });
}

import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { withTimeout } from '../common/with-timeout';
import { ProductsService, StockLevel } from '../products/products.service';

export const STOCK_GAUGES = {
  available: 'flash_sale_product_available_stock',
  total: 'flash_sale_product_total_stock',
} as const;

/** A flash sale has a handful of products; the bound keeps a scrape cheap and the label set small. */
export const MAX_PRODUCTS_IN_METRICS = 100;
/** A scrape must not hang on a slow database; the gauges are simply absent from that scrape. */
const QUERY_TIMEOUT_MS = 1_000;

/**
 * Stock per product, read from the database when Prometheus scrapes (the database is the
 * truth; nothing to keep in sync). Both gauges share one query per scrape.
 */
@Injectable()
export class StockGauges implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StockGauges.name);
  private snapshot: Promise<StockLevel[]> | undefined;

  constructor(private readonly products: ProductsService) {}

  onModuleInit(): void {
    const read = () => this.levels();
    for (const [field, name] of Object.entries(STOCK_GAUGES) as [keyof typeof STOCK_GAUGES, string][]) {
      // Several apps in one process (tests) share prom-client's registry: the newest collects.
      register.removeSingleMetric(name);
      new Gauge({
        name,
        help: `${field === 'available' ? 'Units available' : 'Total units'} per product (first ${MAX_PRODUCTS_IN_METRICS} by id)`,
        labelNames: ['product_id'],
        registers: [register],
        async collect() {
          this.reset();
          for (const level of await read()) this.set({ product_id: String(level.id) }, level[field]);
        },
      });
    }
  }

  onModuleDestroy(): void {
    Object.values(STOCK_GAUGES).forEach((name) => register.removeSingleMetric(name));
  }

  /**
   * One query serves both gauges of a scrape: prom-client starts every collect() of a scrape
   * at once, so they share the query in flight; the next scrape reads afresh.
   */
  private levels(): Promise<StockLevel[]> {
    this.snapshot ??= this.query().finally(() => {
      this.snapshot = undefined;
    });
    return this.snapshot;
  }

  private async query(): Promise<StockLevel[]> {
    try {
      return await withTimeout(this.products.findStockLevels(MAX_PRODUCTS_IN_METRICS), QUERY_TIMEOUT_MS);
    } catch (error) {
      this.logger.debug({ event: 'metrics.stock_unavailable', reason: (error as Error).message });
      return [];
    }
  }
}

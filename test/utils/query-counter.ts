import type { DataSource } from 'typeorm';

export interface QueryCounter {
  /** Queries counted since the counter started. */
  readonly count: number;
  stop(): void;
}

/**
 * Counts the app's SQL queries that read or write the product `productId`, in either engine:
 * TypeORM hands every query to its logger before running it, whatever `logging` says. The id
 * is a bound parameter on MariaDB and may be written into the SQL text on SQLite. Proves
 * "no database read" by counting reads, not by timing them.
 */
export function countProductQueries(dataSource: DataSource, productId: number): QueryCounter {
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const inlined = new RegExp(`=\\s*${productId}\\b`);
  let count = 0;
  logger.logQuery = (query, parameters, queryRunner) => {
    const names = /products/i.test(query);
    const bound = parameters?.some((parameter: unknown) => parameter === productId) ?? false;
    if (names && (bound || inlined.test(query))) count++;
    return original(query, parameters, queryRunner);
  };
  return {
    get count() {
      return count;
    },
    stop: () => {
      logger.logQuery = original;
    },
  };
}

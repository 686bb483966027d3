import type { sellOut } from '../scenarios/sell-out';
import type { LoadResult } from './http-load';
import type { StockReport } from './mysql-store';

/*
 * A scenario's books, read from the store after the fact, and what is wrong with them (the
 * run's correctness failures). `label` ("hot product", "embedded sell-out", …) starts each one.
 */

/**
 * The hot product: every unit taken is in a stored hold, and every 201 is a stored hold.
 * `holdsBefore` is the holds stored before the measured run (after the warm-up).
 */
export function hotProductBooks(
  label: string,
  hot: LoadResult,
  after: StockReport,
  holdsBefore: number,
  connections: number,
) {
  const failures: string[] = [];
  const taken = after.totalStock - after.availableStock;
  const accounting = {
    unitsTaken: taken,
    unitsInStoredHolds: after.heldUnits,
    oversell: Math.max(0, -after.availableStock),
    answered201: hot.ok,
    holdsStoredDuringRun: after.holds - holdsBefore,
  };
  if (taken !== after.heldUnits) {
    failures.push(`${label}: ${taken} units taken but ${after.heldUnits} in holds`);
  }
  // autocannon stops counting at the deadline; requests still in flight then are stored but
  // uncounted, so at most one per connection may be missing from the 201 count.
  const uncounted = accounting.holdsStoredDuringRun - hot.ok;
  if (uncounted < 0 || uncounted > connections) {
    failures.push(`${label}: ${hot.ok} answered 201 but ${accounting.holdsStoredDuringRun} holds stored`);
  }
  if (hot.errors > 0 || hot.non2xx > 0) {
    failures.push(`${label}: ${hot.errors} errors, ${hot.non2xx} non-2xx`);
  }
  return { accounting, failures };
}

/** The sell-out: exactly `units` granted and held, and every answer a 201 or a 409. */
export function sellOutBooks(
  label: string,
  units: number,
  sale: Awaited<ReturnType<typeof sellOut>>,
  report: StockReport,
) {
  const failures: string[] = [];
  const accounting = {
    units,
    unitsHeld: report.heldUnits,
    oversell: Math.max(0, sale.unitsGranted - units),
    left: report.availableStock,
  };
  if (report.heldUnits !== units || sale.unitsGranted !== units) {
    failures.push(`${label}: ${sale.unitsGranted} granted, ${report.heldUnits} held of ${units}`);
  }
  if (sale.unexpected > 0) {
    failures.push(`${label}: ${sale.unexpected} answers that were neither 201 nor 409`);
  }
  return { accounting, failures };
}

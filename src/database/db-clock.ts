import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { serialisesUnitsOfWork } from './row-lock';

/**
 * The database's clock, in UTC with milliseconds: the one clock that decides time-based
 * rules (a hold's expiry when it is created, released or ordered; sale windows; a customer's
 * live holds), whichever process or host asks. UTC_TIMESTAMP rather than NOW(): timestamps
 * are stored in UTC whatever the server's time zone. In SQLite, `strftime('%f')` gives the
 * milliseconds, in the same text format the DATETIME columns are stored in, so the two
 * compare correctly in SQL. `minusMs`: that long before now (a whole number of milliseconds).
 */
export function databaseClockSql(options: { type: string }, minusMs = 0): string {
  const offset = Math.trunc(minusMs);
  if (serialisesUnitsOfWork(options)) {
    return offset === 0
      ? "strftime('%Y-%m-%d %H:%M:%f', 'now')"
      : `strftime('%Y-%m-%d %H:%M:%f', 'now', '-${(offset / 1000).toFixed(3)} seconds')`;
  }
  return offset === 0 ? 'UTC_TIMESTAMP(3)' : `(UTC_TIMESTAMP(3) - INTERVAL ${offset * 1000} MICROSECOND)`;
}

/** A time the database's clock produced: a Date from mysql2 (timezone 'Z'), UTC text from SQLite. */
export function parseDatabaseTime(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}

/**
 * The database's clock on its own statement: after a locking read on MySQL/MariaDB, the time
 * the lock is held (see `getOneWithClock`).
 */
export async function databaseNow(manager: EntityManager): Promise<Date> {
  const [row] = await manager.query<Array<{ now: Date | string }>>(
    `SELECT ${databaseClockSql(manager.connection.options)} AS now`,
  );
  return parseDatabaseTime(row.now);
}

/**
 * `query.getOne()` with the database's clock read in the same statement, so deciding by the
 * database's clock costs no extra round trip. Null when no row matched. On MySQL/MariaDB that
 * clock is the statement's start: for a locking read that may wait, it is the time the wait
 * began, not the time the lock was granted (on SQLite the unit's mutex was taken before).
 * Where the wait matters (a product's stock lock: the hold's TTL, the sale window), read the
 * clock with `databaseNow` after the lock instead.
 */
export async function getOneWithClock<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
): Promise<{ row: T; now: Date } | null> {
  const { entities, raw } = await query
    .addSelect(databaseClockSql(query.connection.options), 'db_now')
    .getRawAndEntities<{ db_now: Date | string }>();
  if (entities.length === 0) return null;
  return { row: entities[0], now: parseDatabaseTime(raw[0].db_now) };
}

import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * The one place where the locking strategy depends on the engine.
 *
 * MySQL/MariaDB: `SELECT ... FOR UPDATE` (TypeORM's pessimistic_write), optionally
 * `SKIP LOCKED` so sweepers on several instances never wait on each other.
 * SQLite has no row locks; there every write transaction is serialised by UnitOfWork
 * (see serialisesUnitsOfWork), which makes the plain SELECT inside it just as exclusive.
 */
export function lockForUpdate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  options: { skipLocked?: boolean } = {},
): SelectQueryBuilder<T> {
  if (isSqlite(query)) return query;
  query.setLock('pessimistic_write');
  if (options.skipLocked) query.setOnLocked('skip_locked');
  return query;
}

/**
 * Engines without row locks, where UnitOfWork runs one unit at a time in the process instead
 * (SQLite: one writer, and TypeORM's better-sqlite3 driver shares one connection between
 * query runners, so concurrent transactions would interleave).
 */
export function serialisesUnitsOfWork(options: { type: string }): boolean {
  return options.type === 'better-sqlite3';
}

function isSqlite(query: SelectQueryBuilder<ObjectLiteral>): boolean {
  return serialisesUnitsOfWork(query.connection.options);
}

import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * The one place where the locking strategy depends on the engine.
 *
 * MySQL/MariaDB: `SELECT ... FOR UPDATE` (TypeORM's pessimistic_write), optionally
 * `SKIP LOCKED` so sweepers on several instances never wait on each other.
 * SQLite has no row locks; there every write transaction is serialised by UnitOfWork,
 * which makes the plain SELECT inside it just as exclusive.
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

function isSqlite(query: SelectQueryBuilder<ObjectLiteral>): boolean {
  return query.connection.options.type === 'better-sqlite3';
}

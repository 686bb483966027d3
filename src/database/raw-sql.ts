import type { EntityManager } from 'typeorm';

/**
 * Hand-written SQL for the hot path (hold reservations), where TypeORM's query builder
 * costs more CPU per batch than the statements themselves. The SQL is portable (MySQL,
 * MariaDB, SQLite: `?` placeholders, plain columns); results come back in TypeORM's
 * normalised shape, so callers never look at driver-specific result objects.
 */
export async function execute(manager: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  const result = await queryRunnerOf(manager).query(sql, parameters, true);
  return result.affected ?? 0;
}

export async function select<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const result = await queryRunnerOf(manager).query(sql, parameters, true);
  return result.records as T[];
}

/** DATETIME(3) in UTC, the format TypeORM itself stores on every engine (SQLite can't bind a Date). */
export function sqlDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function queryRunnerOf(manager: EntityManager) {
  if (!manager.queryRunner) throw new Error('Raw SQL must run inside a unit of work');
  return manager.queryRunner;
}

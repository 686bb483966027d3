import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { serialisesUnitsOfWork } from './row-lock';

/**
 * This database's identity, read once at boot. State kept outside the database that names its
 * rows (expiry job ids, product cache keys, the live-stock channel) carries it, so such state
 * is never used for another database: after `db:reset` the id is new, and two databases
 * sharing one Redis and REDIS_PREFIX never meet.
 *
 * It is the `app_instance` row its migrations created, mixed with the database's name on
 * MySQL/MariaDB: a backup restored under another name (a copy beside the original, staging
 * made from production) carries the original's row, and must still not share its state.
 */
export class DatabaseIdentity {
  constructor(readonly id: string) {}

  static async read(dataSource: DataSource): Promise<DatabaseIdentity> {
    const sqlite = serialisesUnitsOfWork(dataSource.options);
    const [row] = await dataSource.query<Array<{ instance_id: string; name: string | null }>>(
      `SELECT instance_id, ${sqlite ? 'NULL' : 'DATABASE()'} AS name FROM app_instance WHERE id = 1`,
    );
    if (!row) throw new Error('The app_instance row is missing: run the migrations (npm run migration:run)');
    return new DatabaseIdentity(identityOf(row.instance_id, row.name));
  }
}

/**
 * 16 hex digits: no ':' (a BullMQ job id must not hold one) and short enough for every key.
 * Without a name (SQLite: one file, no Redis) the row's id is the identity as it is.
 */
export function identityOf(instanceId: string, databaseName: string | null): string {
  if (databaseName === null) return instanceId;
  return createHash('sha256').update(`${instanceId}/${databaseName}`).digest('hex').slice(0, 16);
}

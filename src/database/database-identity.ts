import type { DataSource } from 'typeorm';

/**
 * This database's identity (the `app_instance` row its migrations created), read once at
 * boot. State kept outside the database that names its rows (expiry job ids, product cache
 * keys) carries it, so such state is never used for another database: after `db:reset` the
 * id is new, and two databases sharing one Redis and REDIS_PREFIX never meet.
 */
export class DatabaseIdentity {
  constructor(readonly id: string) {}

  static async read(dataSource: DataSource): Promise<DatabaseIdentity> {
    const [row] = await dataSource.query<Array<{ instance_id: string }>>(
      'SELECT instance_id FROM app_instance WHERE id = 1',
    );
    if (!row) throw new Error('The app_instance row is missing: run the migrations (npm run migration:run)');
    return new DatabaseIdentity(row.instance_id);
  }
}

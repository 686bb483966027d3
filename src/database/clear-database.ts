import type { DataSource } from 'typeorm';
import { CLUSTER_LOCK_TABLE } from './galera';

/**
 * Drops every table and view of the app's database but the cluster-wide lock's table, which
 * `npm run db:reset` holds its lease in while it runs: TypeORM's dropDatabase() drops that
 * table too, and on Galera the reset then failed releasing its own lease (and any process
 * waiting for the lock on another node failed reading it). The lock table holds no app data,
 * only leases, so keeping it loses nothing. SQLite has no such table: TypeORM's drop is kept.
 */
export async function dropAppTables(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type === 'better-sqlite3') {
    await dataSource.dropDatabase();
    return;
  }
  // One session: FOREIGN_KEY_CHECKS is per session, and lets tables go in any order.
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    const views = (await queryRunner.query(
      'SELECT table_name AS name FROM information_schema.views WHERE table_schema = DATABASE()',
    )) as Array<{ name: string }>;
    for (const { name } of views) await queryRunner.query(`DROP VIEW IF EXISTS ${quoteName(name)}`);
    const tables = (await queryRunner.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name <> ?",
      [CLUSTER_LOCK_TABLE],
    )) as Array<{ name: string }>;
    await queryRunner.query('SET FOREIGN_KEY_CHECKS = 0');
    try {
      for (const { name } of tables) await queryRunner.query(`DROP TABLE IF EXISTS ${quoteName(name)}`);
    } finally {
      await queryRunner.query('SET FOREIGN_KEY_CHECKS = 1');
    }
  } finally {
    await queryRunner.release();
  }
}

function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

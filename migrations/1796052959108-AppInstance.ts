import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * The database's own identity: one row, a random id created once, when the schema is
 * created. Redis keys that name database rows (expiry job ids, product cache keys) carry it,
 * so after a `db:reset`, beside another database on the same Redis and `REDIS_PREFIX`, or
 * with a changed `DB_DATABASE`, nothing written for one database is ever read for another.
 */
export class AppInstance1796052959108 implements MigrationInterface {
  name = 'AppInstance1796052959108';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'app_instance',
        columns: [
          { name: 'id', type: 'int', isPrimary: true },
          { name: 'instance_id', type: 'varchar', length: '32' },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
        // One row: the identity of this database.
        checks: [{ name: 'CHK_app_instance_single_row', expression: 'id = 1' }],
      }),
    );
    // 64 random bits as hex: no ':' and never a bare integer, so it fits a BullMQ job id.
    await queryRunner.query('INSERT INTO app_instance (id, instance_id, created_at) VALUES (1, ?, ?)', [
      randomBytes(8).toString('hex'),
      new Date().toISOString().replace('T', ' ').replace('Z', ''),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('app_instance');
  }
}

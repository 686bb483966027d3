import { MigrationInterface, QueryRunner, TableColumn, TableUnique } from 'typeorm';

/**
 * Idempotency keys are unique per route AND customer: a request carrying `customer_id` claims
 * its key in that customer's space, so two customers who happen to send the same key (a
 * storefront's counter, a reused UUID) never replay each other's answer. '' (not NULL) stands
 * for "no customer", so the unique index still covers requests without one.
 */
export class IdempotencyCustomerScope1796053164213 implements MigrationInterface {
  name = 'IdempotencyCustomerScope1796053164213';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      // SQLite cannot drop a table's UNIQUE constraint in place; TypeORM rebuilds this table
      // (nothing references it, so the rebuild touches no foreign key).
      await queryRunner.addColumn(
        'idempotency_keys',
        new TableColumn({ name: 'customer_id', type: 'varchar', length: '64', default: "''" }),
      );
      await queryRunner.dropUniqueConstraint('idempotency_keys', 'UQ_idempotency_keys_scope_key');
      await queryRunner.createUniqueConstraint(
        'idempotency_keys',
        new TableUnique({
          name: 'UQ_idempotency_keys_scope_customer_key',
          columnNames: ['scope', 'customer_id', 'idempotency_key'],
        }),
      );
      return;
    }
    // The same exact (binary) collation as the key itself.
    const [{ collation }] = await queryRunner.query(
      "SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'idempotency_keys' AND COLUMN_NAME = 'idempotency_key'",
    );
    await queryRunner.query(`ALTER TABLE idempotency_keys
      ADD COLUMN customer_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL DEFAULT '' AFTER scope,
      DROP INDEX UQ_idempotency_keys_scope_key,
      ADD UNIQUE INDEX UQ_idempotency_keys_scope_customer_key (scope, customer_id, idempotency_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Keys of several customers may share a key now; keep one row per (scope, key).
    await queryRunner.query("DELETE FROM idempotency_keys WHERE customer_id <> ''");
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.dropUniqueConstraint('idempotency_keys', 'UQ_idempotency_keys_scope_customer_key');
      await queryRunner.createUniqueConstraint(
        'idempotency_keys',
        new TableUnique({ name: 'UQ_idempotency_keys_scope_key', columnNames: ['scope', 'idempotency_key'] }),
      );
      await queryRunner.dropColumn('idempotency_keys', 'customer_id');
      return;
    }
    await queryRunner.query(`ALTER TABLE idempotency_keys
      DROP INDEX UQ_idempotency_keys_scope_customer_key,
      ADD UNIQUE INDEX UQ_idempotency_keys_scope_key (scope, idempotency_key),
      DROP COLUMN customer_id`);
  }
}

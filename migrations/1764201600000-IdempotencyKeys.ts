import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * Idempotency-Key records of POST /api/holds and POST /api/orders. Portable schema builder
 * (MySQL, MariaDB, SQLite), like the initial schema. UNIQUE(scope, idempotency_key) is what
 * makes a retry safe: a twin of a request in flight waits on that index entry and, once the
 * first commits, fails with a duplicate key instead of reserving a second time.
 */
export class IdempotencyKeys1764201600000 implements MigrationInterface {
  name = 'IdempotencyKeys1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'scope', type: 'varchar', length: '32' },
          { name: 'idempotency_key', type: 'varchar', length: '255' },
          // sha256 of the request body (canonical JSON): same key with another body is refused.
          { name: 'request_hash', type: 'varchar', length: '64' },
          // Written in the same transaction as the row itself, so a committed row always has them.
          { name: 'response_status', type: 'int', isNullable: true },
          { name: 'response_body', type: 'text', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
        uniques: [{ name: 'UQ_idempotency_keys_scope_key', columnNames: ['scope', 'idempotency_key'] }],
        // The sweeper purges keys older than 24 h through this index.
        indices: [{ name: 'IDX_idempotency_keys_created_at', columnNames: ['created_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}

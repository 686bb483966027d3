import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * The waiting room (issue 24): per-product queue settings, the draw's seed and its published
 * commitment, and the secret that signs admission tokens when QUEUE_TOKEN_SECRET is unset:
 * generated here, once, so every process of one database signs and checks with the same key.
 */
export class WaitingRoom1796800000000 implements MigrationInterface {
  name = 'WaitingRoom1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('products', [
      new TableColumn({ name: 'queue_enabled', type: 'boolean', default: false }),
      new TableColumn({ name: 'queue_admit_per_minute', type: 'int', default: 600 }),
      new TableColumn({ name: 'queue_admission_seconds', type: 'int', default: 300 }),
      // 64 lowercase hex characters each: the secret seed, and sha256hex(seed) published at once.
      new TableColumn({ name: 'queue_seed', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'queue_commitment', type: 'varchar', length: '64', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'queue_token_secret',
        columns: [
          { name: 'id', type: 'int', isPrimary: true },
          { name: 'secret', type: 'varchar', length: '64' },
        ],
        checks: [{ name: 'CHK_queue_token_secret_single_row', expression: 'id = 1' }],
      }),
    );
    await queryRunner.query('INSERT INTO queue_token_secret (id, secret) VALUES (1, ?)', [
      randomBytes(32).toString('hex'),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('queue_token_secret');
    for (const column of [
      'queue_commitment',
      'queue_seed',
      'queue_admission_seconds',
      'queue_admit_per_minute',
      'queue_enabled',
    ]) {
      await queryRunner.dropColumn('products', column);
    }
  }
}

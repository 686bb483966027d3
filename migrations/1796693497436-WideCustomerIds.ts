import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer ids may be identity providers' subjects (`auth0|64f...`, `google-oauth2|1093...`):
 * up to 255 printable ASCII characters instead of 64, in every column that holds one. Each
 * column keeps its own (binary NO PAD) collation and nullability; the indexes over them stay
 * under InnoDB's 3072-byte key limit (255 x 4 bytes + the rest). SQLite does not enforce a
 * VARCHAR's length, so there is nothing to change there.
 */
const COLUMNS = [
  { table: 'holds', nullable: true },
  { table: 'orders', nullable: true },
  { table: 'idempotency_keys', nullable: false },
];

export class WideCustomerIds1796693497436 implements MigrationInterface {
  name = 'WideCustomerIds1796693497436';

  async up(queryRunner: QueryRunner): Promise<void> {
    await widen(queryRunner, 255);
  }

  /** Fails (strict mode: data too long) rather than truncate once a longer id is stored. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await widen(queryRunner, 64);
  }
}

async function widen(queryRunner: QueryRunner, length: number): Promise<void> {
  if (queryRunner.connection.options.type === 'better-sqlite3') return;
  for (const { table, nullable } of COLUMNS) {
    const [{ collation }] = (await queryRunner.query(
      `SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'customer_id'`,
      [table],
    )) as Array<{ collation: string }>;
    const rest = nullable ? 'NULL' : "NOT NULL DEFAULT ''";
    await queryRunner.query(
      `ALTER TABLE \`${table}\` MODIFY customer_id VARCHAR(${length}) CHARACTER SET utf8mb4 COLLATE ${collation} ${rest}`,
    );
  }
}

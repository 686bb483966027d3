import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * External identifiers (Idempotency-Key, a payment provider's event id) compare byte for
 * byte: `Key-AbC` is not `key-abc `, and Stripe's ids are case-sensitive. The database was
 * created with utf8mb4_unicode_ci, which folds case and (PAD SPACE) ignores trailing spaces,
 * so these columns get a binary NO PAD collation: MySQL 8's utf8mb4_0900_bin or MariaDB's
 * utf8mb4_nopad_bin (utf8mb4_bin would still pad). SQLite already compares TEXT exactly
 * (BINARY), so both modes agree. Only a coarser collation is replaced: no existing pair of
 * rows can collide.
 */
const COLUMNS = [
  { table: 'idempotency_keys', column: 'idempotency_key', length: 255, nullable: false },
  { table: 'payment_events', column: 'event_id', length: 255, nullable: false },
  { table: 'orders', column: 'payment_idempotency_key', length: 255, nullable: true },
  // utf8mb4_bin (SaleAdmin) is case-exact but PAD SPACE: `alice` would still equal `alice `.
  { table: 'holds', column: 'customer_id', length: 64, nullable: true },
  { table: 'orders', column: 'customer_id', length: 64, nullable: true },
];

export class ExactIdentifiers1796052392031 implements MigrationInterface {
  name = 'ExactIdentifiers1796052392031';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) return;
    const collation = await exactCollation(queryRunner);
    for (const { table, column, length, nullable } of COLUMNS) {
      await queryRunner.query(
        `ALTER TABLE \`${table}\` MODIFY \`${column}\` VARCHAR(${length}) CHARACTER SET utf8mb4 COLLATE ${collation} ${nullable ? 'NULL' : 'NOT NULL'}`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) return;
    for (const { table, column, length, nullable } of COLUMNS) {
      const collation = column === 'customer_id' ? 'utf8mb4_bin' : 'utf8mb4_unicode_ci';
      await queryRunner.query(
        `ALTER TABLE \`${table}\` MODIFY \`${column}\` VARCHAR(${length}) CHARACTER SET utf8mb4 COLLATE ${collation} ${nullable ? 'NULL' : 'NOT NULL'}`,
      );
    }
  }
}

function isSqlite(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'better-sqlite3';
}

/** The server's binary NO PAD collation; asked of the server, since DB_TYPE=mysql may name a MariaDB. */
async function exactCollation(queryRunner: QueryRunner): Promise<string> {
  const rows: Array<{ name: string }> = await queryRunner.query(
    "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin')",
  );
  const names = rows.map((row) => row.name);
  if (names.includes('utf8mb4_0900_bin')) return 'utf8mb4_0900_bin';
  if (names.includes('utf8mb4_nopad_bin')) return 'utf8mb4_nopad_bin';
  throw new Error('This server has no binary NO PAD utf8mb4 collation (needs MySQL 8.0+ or MariaDB 10.2+)');
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CHECK constraints the earlier migrations declared through TypeORM's schema builder
 * exist on SQLite but were never created on MySQL/MariaDB: TypeORM's MySQL driver leaves
 * `checks` out of CREATE TABLE. They are the database's own refusal of an oversell, of a hold
 * both used and released, of an unknown status; this adds them with plain DDL.
 *
 * Idempotent (a constraint that already exists is skipped). On a database whose rows already
 * break a rule, the ALTER fails and names the constraint: `npm run audit:stock` names the
 * products; fix them by hand, then migrate again.
 */
const CHECKS: ReadonlyArray<{ table: string; name: string; expression: string }> = [
  {
    table: 'products',
    name: 'CHK_products_stock',
    expression: 'available_stock >= 0 AND available_stock <= total_stock',
  },
  { table: 'products', name: 'CHK_products_price', expression: 'price >= 0' },
  { table: 'holds', name: 'CHK_holds_quantity', expression: 'quantity > 0' },
  {
    table: 'holds',
    name: 'CHK_holds_used_or_released',
    expression: 'released_at IS NULL OR used_at IS NULL',
  },
  { table: 'orders', name: 'CHK_orders_quantity', expression: 'quantity > 0' },
  {
    table: 'orders',
    name: 'CHK_orders_status',
    expression: "status IN ('pending', 'completed', 'cancelled')",
  },
  { table: 'payment_events', name: 'CHK_payment_events_status', expression: "status IN ('paid', 'failed')" },
  {
    table: 'payment_events',
    name: 'CHK_payment_events_outcome',
    expression: "outcome IN ('applied', 'ignored')",
  },
  { table: 'stock_movements', name: 'CHK_stock_movements_delta', expression: 'delta <> 0' },
  { table: 'app_instance', name: 'CHK_app_instance_single_row', expression: 'id = 1' },
];

export class MysqlCheckConstraints1796062652535 implements MigrationInterface {
  name = 'MysqlCheckConstraints1796062652535';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    for (const check of CHECKS) {
      if (await exists(queryRunner, check.name)) continue;
      await queryRunner.query(
        `ALTER TABLE \`${check.table}\` ADD CONSTRAINT \`${check.name}\` CHECK (${check.expression})`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    for (const check of [...CHECKS].reverse()) {
      if (!(await exists(queryRunner, check.name))) continue;
      // DROP CONSTRAINT: understood by MariaDB >= 10.2 and MySQL >= 8.0.19.
      await queryRunner.query(`ALTER TABLE \`${check.table}\` DROP CONSTRAINT \`${check.name}\``);
    }
  }
}

async function exists(queryRunner: QueryRunner, name: string): Promise<boolean> {
  const rows: unknown[] = await queryRunner.query(
    'SELECT 1 FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = ?',
    [name],
  );
  return rows.length > 0;
}

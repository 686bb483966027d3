import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the operator's order actions need (issue 25):
 * - `cancel_reason` may be `operator` (POST /api/admin/orders/:id/cancel);
 * - each stock movement says its `kind` (restock, removal, operator_cancel, restore), its
 *   `actor` (the ADMIN_API_TOKEN name that made it) and, for an order action, its `order_id`.
 *
 * Rows from before: a positive delta was a restock (or the initial stock), a negative one a
 * removal, and only the admin API wrote the ledger, so their actor is `admin`.
 *
 * SQLite cannot change a CHECK in place: the orders table is rebuilt the way SQLite documents
 * (https://sqlite.org/lang_altertable.html#otheralter), outside any transaction so that
 * `PRAGMA foreign_keys = OFF` takes effect, then `foreign_key_check` before the commit.
 */
const OLD_REASONS = "'payment_failed', 'payment_timeout'";
const NEW_REASONS = "'payment_failed', 'payment_timeout', 'operator'";
const KIND_CHECK = "kind IN ('restock', 'removal', 'operator_cancel', 'restore')";

export class OperatorActions1796700000000 implements MigrationInterface {
  name = 'OperatorActions1796700000000';
  /** The SQLite rebuild turns foreign keys off, which a transaction would ignore; it opens its own. */
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) {
      await rebuildOrdersCheck(queryRunner, OLD_REASONS, NEW_REASONS);
      await queryRunner.query(
        `ALTER TABLE stock_movements ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'restock' CONSTRAINT CHK_stock_movements_kind CHECK (${KIND_CHECK})`,
      );
      await queryRunner.query('ALTER TABLE stock_movements ADD COLUMN actor varchar(40) NULL');
      await queryRunner.query('ALTER TABLE stock_movements ADD COLUMN order_id integer NULL');
    } else {
      await queryRunner.query(`ALTER TABLE orders
        DROP CONSTRAINT CHK_orders_cancel_reason,
        ADD CONSTRAINT CHK_orders_cancel_reason ${cancelReasonCheck(NEW_REASONS)}`);
      await queryRunner.query(`ALTER TABLE stock_movements
        ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'restock' AFTER product_id,
        ADD COLUMN actor VARCHAR(40) NULL AFTER reason,
        ADD COLUMN order_id INT NULL AFTER actor,
        ADD CONSTRAINT CHK_stock_movements_kind CHECK (${KIND_CHECK})`);
    }
    await queryRunner.query("UPDATE stock_movements SET kind = 'removal' WHERE delta < 0");
    await queryRunner.query("UPDATE stock_movements SET actor = 'admin' WHERE actor IS NULL");
  }

  /** Fails (the CHECK) while an order cancelled by an operator is stored: decide about those first. */
  async down(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) {
      // TypeORM's revert wraps every migration in a transaction, where foreign keys cannot be turned off.
      if (queryRunner.isTransactionActive) {
        throw new Error(
          'Revert OperatorActions on SQLite outside a transaction: npm run migration:revert -- -t none',
        );
      }
      // The orders first: the step that can refuse runs before anything changed.
      await rebuildOrdersCheck(queryRunner, NEW_REASONS, OLD_REASONS);
      await queryRunner.query('ALTER TABLE stock_movements DROP COLUMN order_id');
      await queryRunner.query('ALTER TABLE stock_movements DROP COLUMN actor');
      await rebuildTable(queryRunner, 'stock_movements', (sql) =>
        sql.replace(/,\s*"?kind"?\s+varchar\(16\)[^,)]*CHECK \([^)]*\)\)/i, ''),
      );
      return;
    }
    await queryRunner.query(`ALTER TABLE orders
      DROP CONSTRAINT CHK_orders_cancel_reason,
      ADD CONSTRAINT CHK_orders_cancel_reason ${cancelReasonCheck(OLD_REASONS)}`);
    await queryRunner.query(`ALTER TABLE stock_movements
      DROP CONSTRAINT CHK_stock_movements_kind,
      DROP COLUMN order_id, DROP COLUMN actor, DROP COLUMN kind`);
  }
}

function cancelReasonCheck(reasons: string): string {
  return `CHECK (cancel_reason IS NULL OR (status = 'cancelled' AND cancel_reason IN (${reasons})))`;
}

function isSqlite(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'better-sqlite3';
}

function rebuildOrdersCheck(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  return rebuildTable(queryRunner, 'orders', (sql) => {
    if (!sql.includes(from)) throw new Error(`orders: CHECK (... IN (${from})) not found in ${sql}`);
    return sql.replace(from, to);
  });
}

/**
 * SQLite's documented rebuild: a new table from the edited CREATE statement, the rows copied,
 * the old table dropped, the new one renamed, its indexes created again. Foreign keys are off
 * meanwhile (other tables point at this one) and checked before the commit.
 */
async function rebuildTable(
  queryRunner: QueryRunner,
  table: string,
  edit: (createSql: string) => string,
): Promise<void> {
  const [{ sql }] = (await queryRunner.query(
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
    [table],
  )) as Array<{ sql: string }>;
  const indexes = (await queryRunner.query(
    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
    [table],
  )) as Array<{ sql: string }>;
  const temporary = `${table}_rebuilt`;
  const created = edit(sql).replace(/^CREATE TABLE\s+("?)\w+\1/i, `CREATE TABLE "${temporary}"`);
  const columns = ((await queryRunner.query(`PRAGMA table_info("${table}")`)) as Array<{ name: string }>)
    .map((column) => `"${column.name}"`)
    .filter((column) => created.includes(column.slice(1, -1)))
    .join(', ');
  await queryRunner.query('PRAGMA foreign_keys = OFF');
  await queryRunner.startTransaction();
  try {
    await queryRunner.query(created);
    await queryRunner.query(`INSERT INTO "${temporary}" (${columns}) SELECT ${columns} FROM "${table}"`);
    await queryRunner.query(`DROP TABLE "${table}"`);
    await queryRunner.query(`ALTER TABLE "${temporary}" RENAME TO "${table}"`);
    for (const index of indexes) await queryRunner.query(index.sql);
    const broken = (await queryRunner.query('PRAGMA foreign_key_check')) as unknown[];
    if (broken.length > 0) throw new Error(`${table}: rebuild would break ${broken.length} foreign keys`);
    await queryRunner.commitTransaction();
  } catch (error) {
    await queryRunner.rollbackTransaction();
    throw error;
  } finally {
    await queryRunner.query('PRAGMA foreign_keys = ON');
  }
}

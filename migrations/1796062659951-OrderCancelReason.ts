import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a cancelled order was cancelled: `payment_failed` (a `failed` webhook) or
 * `payment_timeout` (no payment within ORDER_PAYMENT_TIMEOUT_SECONDS, cancelled by the
 * sweeper). The CHECK keeps it to those values, and only on cancelled orders. Every order
 * cancelled before this migration was cancelled by a failed payment, so it says so.
 *
 * IDX_orders_status_created serves the sweeper's search for pending orders older than the
 * timeout, which would otherwise scan every order on each run.
 *
 * Raw ALTERs per engine, as in SaleAdmin: SQLite's own ADD COLUMN keeps the table (and the
 * foreign key from payment_events), where TypeORM's runner would copy it.
 */
const CHECK = `CHECK (cancel_reason IS NULL OR (status = 'cancelled' AND cancel_reason IN ('payment_failed', 'payment_timeout')))`;

export class OrderCancelReason1796062659951 implements MigrationInterface {
  name = 'OrderCancelReason1796062659951';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) {
      await queryRunner.query(
        `ALTER TABLE orders ADD COLUMN cancel_reason varchar(16) NULL CONSTRAINT CHK_orders_cancel_reason ${CHECK}`,
      );
      await queryRunner.query('CREATE INDEX IDX_orders_status_created ON orders (status, created_at)');
    } else {
      await queryRunner.query(`ALTER TABLE orders
        ADD COLUMN cancel_reason VARCHAR(16) NULL AFTER status,
        ADD CONSTRAINT CHK_orders_cancel_reason ${CHECK},
        ADD INDEX IDX_orders_status_created (status, created_at)`);
    }
    await queryRunner.query("UPDATE orders SET cancel_reason = 'payment_failed' WHERE status = 'cancelled'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) {
      await queryRunner.query('DROP INDEX IDX_orders_status_created');
      await queryRunner.dropCheckConstraint('orders', 'CHK_orders_cancel_reason');
      await queryRunner.dropColumn('orders', 'cancel_reason');
      return;
    }
    await queryRunner.query(`ALTER TABLE orders
      DROP CONSTRAINT CHK_orders_cancel_reason,
      DROP INDEX IDX_orders_status_created,
      DROP COLUMN cancel_reason`);
  }
}

function isSqlite(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.options.type === 'better-sqlite3';
}

import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * Written with TypeORM's schema builder (not raw DDL) so the same migration runs on
 * MySQL 8, MariaDB 10.11 and SQLite. The CHECK and UNIQUE constraints are the last line
 * of defence behind the service's locking: the database itself refuses an oversell,
 * a hold that is both used and released, or a hold turned into two orders.
 */
const id: TableColumnOptions = {
  name: 'id',
  // 'integer' (not 'int'): SQLite only auto-increments an INTEGER PRIMARY KEY; MySQL reads it as INT.
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
const timestamp = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable,
});

export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'products',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'total_stock', type: 'int' },
          { name: 'available_stock', type: 'int' },
          { name: 'price', type: 'decimal', precision: 10, scale: 2 },
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        checks: [
          {
            name: 'CHK_products_stock',
            expression: 'available_stock >= 0 AND available_stock <= total_stock',
          },
          { name: 'CHK_products_price', expression: 'price >= 0' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'holds',
        columns: [
          id,
          { name: 'product_id', type: 'int' },
          { name: 'quantity', type: 'int' },
          timestamp('hold_expires_at'),
          timestamp('released_at', true),
          timestamp('used_at', true),
          timestamp('created_at'),
        ],
        checks: [
          { name: 'CHK_holds_quantity', expression: 'quantity > 0' },
          { name: 'CHK_holds_used_or_released', expression: 'released_at IS NULL OR used_at IS NULL' },
        ],
        indices: [
          { name: 'IDX_holds_product_id', columnNames: ['product_id'] },
          // Finds expired active holds: equality on the two NULL columns, range on the expiry.
          { name: 'IDX_holds_active_expiry', columnNames: ['released_at', 'used_at', 'hold_expires_at'] },
        ],
        foreignKeys: [
          {
            name: 'FK_holds_product',
            columnNames: ['product_id'],
            referencedTableName: 'products',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'orders',
        columns: [
          id,
          { name: 'hold_id', type: 'int' },
          // No foreign key to products: it would take a shared lock on the hot product row
          // for every order, against the fixed lock order. The hold's own key covers it.
          { name: 'product_id', type: 'int' },
          { name: 'quantity', type: 'int' },
          { name: 'amount', type: 'decimal', precision: 10, scale: 2 },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'payment_idempotency_key', type: 'varchar', length: '255', isNullable: true },
          timestamp('created_at'),
          timestamp('updated_at'),
        ],
        checks: [
          { name: 'CHK_orders_quantity', expression: 'quantity > 0' },
          { name: 'CHK_orders_status', expression: "status IN ('pending', 'completed', 'cancelled')" },
        ],
        uniques: [{ name: 'UQ_orders_hold_id', columnNames: ['hold_id'] }],
        indices: [{ name: 'IDX_orders_product_id', columnNames: ['product_id'] }],
        foreignKeys: [
          {
            name: 'FK_orders_hold',
            columnNames: ['hold_id'],
            referencedTableName: 'holds',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'payment_events',
        columns: [
          id,
          { name: 'event_id', type: 'varchar', length: '255' },
          { name: 'order_id', type: 'int' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'payload_hash', type: 'varchar', length: '64' },
          timestamp('received_at'),
        ],
        checks: [
          { name: 'CHK_payment_events_status', expression: "status IN ('paid', 'failed')" },
          { name: 'CHK_payment_events_outcome', expression: "outcome IN ('applied', 'ignored')" },
        ],
        uniques: [{ name: 'UQ_payment_events_event_id', columnNames: ['event_id'] }],
        indices: [{ name: 'IDX_payment_events_order_id', columnNames: ['order_id'] }],
        foreignKeys: [
          {
            name: 'FK_payment_events_order',
            columnNames: ['order_id'],
            referencedTableName: 'orders',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('payment_events');
    await queryRunner.dropTable('orders');
    await queryRunner.dropTable('holds');
    await queryRunner.dropTable('products');
  }
}

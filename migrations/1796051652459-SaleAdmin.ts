import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * The admin API's schema: sale windows and a per-customer limit on products, the customer on
 * holds and orders (with the index the per-customer count reads), and the stock movement log.
 *
 * Raw ALTERs, per engine: TypeORM's SQLite runner adds a column by copying the whole table,
 * and dropping the old `products` breaks the foreign keys that point at it. SQLite's own
 * ADD COLUMN keeps the table (and accepts the column's CHECK).
 *
 * `customer_id` is an external identifier: binary collation on MySQL/MariaDB, so `Alice` and
 * `alice ` are two customers there too, as they are in SQLite (which compares bytes).
 */
const CUSTOMER_ID_MYSQL = 'VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL';

export class SaleAdmin1796051652459 implements MigrationInterface {
  name = 'SaleAdmin1796051652459';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') await this.upSqlite(queryRunner);
    else await this.upMysql(queryRunner);

    await queryRunner.createTable(
      new Table({
        name: 'stock_movements',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'product_id', type: 'int' },
          { name: 'delta', type: 'int' },
          { name: 'reason', type: 'varchar', length: '255', isNullable: true },
          // The product's stock right after this movement, so the log reads without replaying it.
          { name: 'total_stock', type: 'int' },
          { name: 'available_stock', type: 'int' },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
        checks: [{ name: 'CHK_stock_movements_delta', expression: 'delta <> 0' }],
        indices: [{ name: 'IDX_stock_movements_product_id', columnNames: ['product_id'] }],
        foreignKeys: [
          {
            name: 'FK_stock_movements_product',
            columnNames: ['product_id'],
            referencedTableName: 'products',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
  }

  private async upMysql(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE products
      ADD COLUMN sale_starts_at DATETIME(3) NULL,
      ADD COLUMN sale_ends_at DATETIME(3) NULL,
      ADD COLUMN max_per_customer INT NULL,
      ADD CONSTRAINT CHK_products_sale_window CHECK (sale_starts_at IS NULL OR sale_ends_at IS NULL OR sale_ends_at > sale_starts_at),
      ADD CONSTRAINT CHK_products_max_per_customer CHECK (max_per_customer IS NULL OR max_per_customer >= 1)`);
    // Customer first: the per-customer count asks for one customer's rows of one product.
    await queryRunner.query(`ALTER TABLE holds
      ADD COLUMN customer_id ${CUSTOMER_ID_MYSQL},
      ADD INDEX IDX_holds_customer_product (customer_id, product_id)`);
    await queryRunner.query(`ALTER TABLE orders
      ADD COLUMN customer_id ${CUSTOMER_ID_MYSQL},
      ADD INDEX IDX_orders_customer_product (customer_id, product_id)`);
  }

  private async upSqlite(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE products ADD COLUMN sale_starts_at datetime(3) NULL');
    await queryRunner.query(
      'ALTER TABLE products ADD COLUMN sale_ends_at datetime(3) NULL ' +
        'CONSTRAINT CHK_products_sale_window CHECK (sale_starts_at IS NULL OR sale_ends_at IS NULL OR sale_ends_at > sale_starts_at)',
    );
    await queryRunner.query(
      'ALTER TABLE products ADD COLUMN max_per_customer integer NULL ' +
        'CONSTRAINT CHK_products_max_per_customer CHECK (max_per_customer IS NULL OR max_per_customer >= 1)',
    );
    for (const table of ['holds', 'orders']) {
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN customer_id varchar(64) NULL`);
      await queryRunner.query(
        `CREATE INDEX IDX_${table}_customer_product ON ${table} (customer_id, product_id)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stock_movements');
    for (const table of ['holds', 'orders']) {
      await queryRunner.dropIndex(table, `IDX_${table}_customer_product`);
      await queryRunner.dropColumn(table, 'customer_id');
    }
    await queryRunner.dropCheckConstraint('products', 'CHK_products_sale_window');
    await queryRunner.dropCheckConstraint('products', 'CHK_products_max_per_customer');
    await queryRunner.dropColumns('products', ['sale_starts_at', 'sale_ends_at', 'max_per_customer']);
  }
}

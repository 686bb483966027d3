import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A product's `status`: `draft` (being prepared, invisible to buyers), `live` (on sale, the
 * default, so every existing product and every client that does not send it is unchanged) or
 * `archived` (taken off the shop). Only `live` products are readable, holdable and streamed by
 * the public routes; the admin API sees them all.
 *
 * SQLite's own ADD COLUMN keeps the table (and the foreign keys that point at it), CHECK included.
 */
const CHECK = "CHECK (status IN ('draft', 'live', 'archived'))";

export class ProductStatus1796700100000 implements MigrationInterface {
  name = 'ProductStatus1796700100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query(
        `ALTER TABLE products ADD COLUMN status varchar(16) NOT NULL DEFAULT 'live' CONSTRAINT CHK_products_status ${CHECK}`,
      );
      return;
    }
    await queryRunner.query(`ALTER TABLE products
      ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'live' AFTER name,
      ADD CONSTRAINT CHK_products_status ${CHECK}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      // SQLite refuses to drop a column with a CHECK; TypeORM's helper rebuilds the table.
      await queryRunner.dropColumn('products', 'status');
      return;
    }
    await queryRunner.query('ALTER TABLE products DROP CONSTRAINT CHK_products_status, DROP COLUMN status');
  }
}

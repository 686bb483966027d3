import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Stripe's own event objects are recorded in payment_events too, including those that
 * settle nothing (an event type we don't act on, no order reference), so a redelivery is
 * answered as a duplicate. Those rows have no order and no payment status. The schema
 * builder keeps this portable: on SQLite, TypeORM rebuilds the table with its constraints.
 */
export class StripeEvents1796051690268 implements MigrationInterface {
  name = 'StripeEvents1796051690268';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.changeColumn(
      'payment_events',
      'order_id',
      new TableColumn({ name: 'order_id', type: 'int', isNullable: true }),
    );
    await queryRunner.changeColumn(
      'payment_events',
      'status',
      new TableColumn({ name: 'status', type: 'varchar', length: '16', isNullable: true }),
    );
    await queryRunner.addColumns('payment_events', [
      // Stripe's event type (payment_intent.succeeded, ...); null for the original body.
      new TableColumn({ name: 'event_type', type: 'varchar', length: '255', isNullable: true }),
      // Why an `ignored` event changed nothing: order_settled, unhandled_type, no_order_reference, ...
      new TableColumn({ name: 'reason', type: 'varchar', length: '32', isNullable: true }),
      // What Stripe reported for a success event, in the currency's smallest unit (audit of mismatches).
      new TableColumn({ name: 'amount', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'currency', type: 'varchar', length: '3', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Rows without an order cannot go back into NOT NULL columns.
    await queryRunner.query('DELETE FROM payment_events WHERE order_id IS NULL OR status IS NULL');
    await queryRunner.dropColumns('payment_events', ['event_type', 'reason', 'amount', 'currency']);
    await queryRunner.changeColumn(
      'payment_events',
      'status',
      new TableColumn({ name: 'status', type: 'varchar', length: '16' }),
    );
    await queryRunner.changeColumn(
      'payment_events',
      'order_id',
      new TableColumn({ name: 'order_id', type: 'int' }),
    );
  }
}

import { createPool } from 'mysql2/promise';
import { BENCH_DB, connect } from '../lib/database';

/**
 * The original's strategy with nothing around it: one unit per transaction,
 * BEGIN; SELECT ... FOR UPDATE; UPDATE; INSERT; COMMIT, over mysql2 with 32 connections on
 * one product row, on scratch tables of its own. This is the per-transaction limit the hot
 * product path is compared with, measured in the same run on the same machine.
 */
export async function rawRowLockLimit(database: string, durationSeconds: number, connections = 32) {
  const setup = await connect(database);
  await setup.query('DROP TABLE IF EXISTS raw_holds, raw_products');
  await setup.query('CREATE TABLE raw_products (id INT PRIMARY KEY, available INT NOT NULL) ENGINE=InnoDB');
  await setup.query(
    'CREATE TABLE raw_holds (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT NOT NULL, quantity INT NOT NULL, created_at DATETIME(3) NOT NULL) ENGINE=InnoDB',
  );
  await setup.query('INSERT INTO raw_products VALUES (1, 100000000)');
  await setup.end();

  const pool = createPool({ ...BENCH_DB, database, connectionLimit: connections });
  const deadline = Date.now() + durationSeconds * 1000;
  let committed = 0;
  const worker = async () => {
    const connection = await pool.getConnection();
    try {
      while (Date.now() < deadline) {
        await connection.query('BEGIN');
        const [rows] = await connection.query('SELECT available FROM raw_products WHERE id = 1 FOR UPDATE');
        if ((rows as { available: number }[])[0].available < 1) throw new Error('raw stock exhausted');
        await connection.query('UPDATE raw_products SET available = available - 1 WHERE id = 1');
        await connection.query(
          'INSERT INTO raw_holds (product_id, quantity, created_at) VALUES (1, 1, NOW(3))',
        );
        await connection.query('COMMIT');
        committed++;
      }
    } finally {
      connection.release();
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (Date.now() - started) / 1000;
  await pool.end();
  return { transactions: committed, perSecond: Math.round(committed / seconds), connections };
}

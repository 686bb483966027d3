import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { isTransientLockError } from './db-errors';

/**
 * What differs on a MariaDB Galera cluster (multi-primary, certification-based replication),
 * in one place. The service code is the same: a `SELECT ... FOR UPDATE` locks only on its own
 * node, but two transactions that write the same row on two nodes cannot both commit (the
 * later one fails certification with a deadlock error, 1213, which UnitOfWork retries), and
 * every stock change writes the product row. So the product row still serialises every change
 * of its stock, cluster-wide. Two things do need care:
 * - reads: a node applies other nodes' commits shortly after they are acknowledged, so a read
 *   on node 3 right after a commit on node 1 could miss it (see `withCausalReads`);
 * - GET_LOCK is node-local, so the startup migration lock is a row instead (`withClusterLock`).
 */
const logger = new Logger('Galera');

/** `wsrep_sync_wait` bit 1: reads (SELECT, SHOW, BEGIN) wait until the node has applied every commit acknowledged before them. */
const CAUSAL_READS = 'SET SESSION wsrep_sync_wait = 1';

/** DB_GALERA when set; otherwise whether the server says wsrep is on (MySQL has no such variable: false). */
export async function detectGalera(
  dataSource: DataSource,
  db: Pick<DatabaseConfig, 'type' | 'galera'>,
): Promise<boolean> {
  if (db.type === 'sqlite') return false;
  if (db.galera !== undefined) return db.galera;
  try {
    const [row] = await dataSource.query<Array<{ wsrep: number | string | null }>>(
      'SELECT @@wsrep_on AS wsrep',
    );
    return Number(row?.wsrep) === 1;
  } catch {
    return false;
  }
}

interface PoolLike {
  on(
    event: 'connection',
    listener: (connection: { query(sql: string, callback: (error: Error | null) => void): void }) => void,
  ): void;
}

/**
 * Makes every connection of the DataSource's pool read causally: each new connection runs
 * `SET SESSION wsrep_sync_wait = 1` before anything else (mysql2 emits 'connection' before
 * handing the connection out, and a connection runs its commands in order). So every read of
 * the app, inside a transaction or not, sees every commit acknowledged anywhere in the cluster
 * before it started: the product read that fills the shared cache, the hold/order/admin reads,
 * the sweeper's candidates, idempotency lookups. The price is a wait for the node to catch up
 * on each read statement (measured in `npm run bench -- --cluster`).
 *
 * Call before `initialize()`: TypeORM creates the pool there, through its driver's mysql2
 * module, which is wrapped here (mysql2 has no per-connection init statement of its own).
 */
export function withCausalReads(dataSource: DataSource): DataSource {
  const driver = dataSource.driver as unknown as { mysql: { createPool(options: unknown): PoolLike } };
  const mysql = driver.mysql;
  driver.mysql = Object.assign(Object.create(mysql) as typeof mysql, {
    createPool(options: unknown): PoolLike {
      const pool = mysql.createPool(options);
      pool.on('connection', (connection) =>
        connection.query(CAUSAL_READS, (error) => {
          if (error) logger.warn({ event: 'galera.causal_reads_failed', reason: error.message });
        }),
      );
      return pool;
    },
  });
  return dataSource;
}

/** Where the cluster-wide locks' leases live; `npm run db:reset` keeps it (see dropAppTables). */
export const CLUSTER_LOCK_TABLE = 'startup_locks';

/** A crashed holder's lock is taken over after this; a live one finishes long before (migrations take seconds). */
const LEASE_SECONDS = 120;
const POLL_MS = 250;

/**
 * A lock for the whole cluster, as a row: GET_LOCK only excludes sessions of the same node.
 * Taking it is an upsert of the lock's row that succeeds only when the row is free or its
 * lease ran out; two nodes racing for it cannot both commit (certification), so exactly one
 * holder reads its own id back. Released by deleting the row; a crashed holder's lease ends
 * after LEASE_SECONDS. Waits up to `timeoutSeconds` (callers pass more than the lease).
 */
export async function withClusterLock(
  queryRunner: QueryRunner,
  name: string,
  timeoutSeconds: number,
  work: () => Promise<void>,
): Promise<void> {
  await queryRunner.query(
    `CREATE TABLE IF NOT EXISTS ${CLUSTER_LOCK_TABLE} (name VARCHAR(191) NOT NULL PRIMARY KEY, holder CHAR(36) NOT NULL, expires_at DATETIME(3) NOT NULL) ENGINE=InnoDB`,
  );
  const holder = randomUUID();
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await tryTake(queryRunner, name, holder))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the cluster-wide lock '${name}'`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    await work();
  } finally {
    await queryRunner.query(`DELETE FROM ${CLUSTER_LOCK_TABLE} WHERE name = ? AND holder = ?`, [
      name,
      holder,
    ]);
  }
}

async function tryTake(queryRunner: QueryRunner, name: string, holder: string): Promise<boolean> {
  try {
    // Assignments run left to right: `holder` is replaced only when the lease ran out, and the
    // expiry is renewed only when `holder` is now ours.
    await queryRunner.query(
      `INSERT INTO ${CLUSTER_LOCK_TABLE} (name, holder, expires_at) VALUES (?, ?, UTC_TIMESTAMP(3) + INTERVAL ${LEASE_SECONDS} SECOND)
       ON DUPLICATE KEY UPDATE
         holder = IF(expires_at < UTC_TIMESTAMP(3), VALUES(holder), holder),
         expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)`,
      [name, holder],
    );
  } catch (error) {
    // Another node took it in the same instant: certification failed ours.
    if (isTransientLockError(error)) return false;
    throw error;
  }
  const [row] = (await queryRunner.query(
    `SET STATEMENT wsrep_sync_wait = 1 FOR SELECT holder FROM ${CLUSTER_LOCK_TABLE} WHERE name = ?`,
    [name],
  )) as Array<{ holder: string }>;
  return row?.holder === holder;
}

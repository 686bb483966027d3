import { resolve } from 'node:path';

/** The part of a better-sqlite3 connection this needs (the package ships no types). */
export interface SqliteConnection {
  pragma(source: string): unknown;
  exec(source: string): unknown;
}

/** How long a starting process waits for the file before concluding that another process holds it. */
const CLAIM_WAIT_MS = 250;

/** Another process (API, worker, or a tool) holds the embedded database. */
export class DatabaseInUseError extends Error {
  constructor(path: string) {
    super(
      `The SQLite database ${resolve(path)} is in use by another process. Embedded mode (DB_TYPE=sqlite) ` +
        'runs as one process: the API (npm start) serves HTTP and releases expired holds itself, so it needs ' +
        'no worker. Stop the other process, give this one its own SQLITE_PATH, or run several API and worker ' +
        'processes in the scale-out mode (DB_TYPE=mysql with REDIS_HOST).',
    );
    this.name = DatabaseInUseError.name;
  }
}

/**
 * Embedded mode is one process: transactions are serialised by an in-process mutex
 * (UnitOfWork), which a second process would sidestep. So the process keeps the file locked
 * for its connection's whole life: with `locking_mode = EXCLUSIVE` SQLite never gives back a
 * lock it took, and `BEGIN EXCLUSIVE` takes the write lock now rather than at the first write.
 * It is an OS file lock, so it goes away with the process however it ends (SIGKILL too):
 * there is no lock file to go stale. Runs before anything else on the connection.
 */
export function claimSqliteFile(connection: SqliteConnection, path: string, busyTimeoutMs: number): void {
  connection.pragma('locking_mode = EXCLUSIVE');
  connection.pragma(`busy_timeout = ${CLAIM_WAIT_MS}`);
  try {
    connection.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(path);
    throw error;
  } finally {
    connection.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}

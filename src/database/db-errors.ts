/**
 * Classifies driver errors for MySQL/MariaDB (mysql2) and SQLite (better-sqlite3) in one
 * place, so services and the HTTP layer never look at driver codes themselves.
 */
interface DriverErrorLike {
  code?: string;
  errno?: number;
  driverError?: DriverErrorLike;
  message?: string;
}

/** The driver's error code (`ER_LOCK_DEADLOCK`, `SQLITE_BUSY`...), from a TypeORM wrapper or the driver error itself. */
export function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as DriverErrorLike;
  return e.driverError?.code ?? e.code;
}

/** Deadlock (1213) or lock wait timeout (1205): the transaction can simply be run again. */
export function isTransientLockError(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'POOL_ACQUIRE_TIMEOUT',
  // A Galera node that is not synced (joining after a crash, or cut off from the primary
  // component): 1047 "WSREP has not yet prepared node for application use", SQLSTATE 08S01.
  'ER_UNKNOWN_COM_ERROR',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);

/** The database cannot be reached right now: the request may succeed if retried later. */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (code && CONNECTION_ERROR_CODES.has(code)) return true;
  const message = (error as DriverErrorLike | undefined)?.message ?? '';
  return /Pool is closed|Connection lost|connect ETIMEDOUT|Can't add new command when connection is in closed state/i.test(
    message,
  );
}

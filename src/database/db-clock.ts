import type { EntityManager } from 'typeorm';
import { serialisesUnitsOfWork } from './row-lock';

/**
 * The database's clock, in UTC with milliseconds: the one clock that decides time-based
 * rules (sale windows, a customer's live holds), whichever process or host asks. UTC_TIMESTAMP
 * rather than NOW(): timestamps are stored in UTC whatever the server's time zone.
 */
export async function databaseNow(manager: EntityManager): Promise<Date> {
  const sqlite = serialisesUnitsOfWork(manager.connection.options);
  const [row] = await manager.query<Array<{ now: Date | string }>>(
    sqlite ? "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now" : 'SELECT UTC_TIMESTAMP(3) AS now',
  );
  return row.now instanceof Date ? row.now : new Date(`${row.now.replace(' ', 'T')}Z`);
}

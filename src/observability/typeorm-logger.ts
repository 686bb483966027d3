import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerContract } from 'typeorm';
import { isConnectionError } from '../database/db-errors';

const MAX_QUERY_CHARS = 500;

/**
 * TypeORM's own messages as JSON lines through Nest's Logger (its default logger writes
 * plain text with console.log). A failed query is usually expected and handled by the
 * caller (a unique violation that settles a race, a deadlock that is retried), so it is
 * debug; an unreachable database is warn. Failures of ours reach the error filter, which
 * logs them at error.
 */
export class TypeOrmLogger implements TypeOrmLoggerContract {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {
    // Never: one line per query would dwarf everything else.
  }

  logQueryError(error: string | Error, query: string): void {
    const line = {
      event: 'db.query_failed',
      reason: typeof error === 'string' ? error : error.message,
      query: query.slice(0, MAX_QUERY_CHARS),
    };
    if (isConnectionError(error)) this.logger.warn(line);
    else this.logger.debug(line);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ event: 'db.query_slow', ms: time, query: query.slice(0, MAX_QUERY_CHARS) });
  }

  logSchemaBuild(): void {
    // synchronize is never used.
  }

  logMigration(message: string): void {
    this.logger.log({ event: 'db.migration', message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ event: 'db.warning', message });
    else this.logger.debug({ event: 'db.message', message });
  }
}

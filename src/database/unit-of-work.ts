import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isTransientLockError } from './db-errors';

const MAX_ATTEMPTS = 4;

/**
 * Runs one use case in one database transaction (a TypeORM QueryRunner), retrying the
 * whole unit on deadlock or lock-wait timeout. Services own the boundary: every query in
 * the unit must go through the `manager` it receives, and anything outside the database
 * (queue, cache) happens after `run` resolves, i.e. after commit.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(work);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransientLockError(error)) throw error;
        this.logger.warn({ event: 'transaction.retry', attempt, reason: (error as { code?: string }).code });
        await sleep(jitteredBackoffMs(attempt));
      }
    }
  }

  private async runOnce<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      await queryRunner.connect();
      // READ COMMITTED: a re-read after taking a lock sees what the previous lock holder
      // committed, and InnoDB takes no gap locks, so unrelated inserts never block.
      await queryRunner.startTransaction(this.isolationLevel());
      const result = await work(queryRunner.manager);
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      if (queryRunner.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      await queryRunner.release();
    }
  }

  private isolationLevel() {
    return this.dataSource.options.type === 'better-sqlite3' ? undefined : ('READ COMMITTED' as const);
  }
}

function jitteredBackoffMs(attempt: number): number {
  return 5 * 2 ** attempt + Math.random() * 10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

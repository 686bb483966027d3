import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { codeOf, isTransientLockError } from './db-errors';
import { Mutex } from './mutex';
import { serialisesUnitsOfWork } from './row-lock';

/**
 * Deadlocks are rare on one server; on Galera two nodes writing one hot product row conflict
 * at commit every time they overlap, so a unit may need several tries (each re-reads).
 */
const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 100;
export const TRANSACTION_RETRIES_METRIC = 'flash_sale_transaction_retries_total';

/**
 * The one place that opens transactions. Runs one use case in one database transaction (a
 * TypeORM QueryRunner), retrying the whole unit on deadlock or lock-wait timeout. Services
 * own the boundary: every query in the unit must go through the `manager` it receives, and
 * anything outside the database (queue, cache) happens after `run` resolves, i.e. after commit.
 *
 * On SQLite every unit (and every read, see `read`) holds one in-process mutex: that is what
 * makes the same service code correct there, where row locks don't exist.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);
  private readonly serialised: Mutex | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @InjectMetric(TRANSACTION_RETRIES_METRIC) private readonly retries: Counter<'reason'>,
  ) {
    this.serialised = serialisesUnitsOfWork(dataSource.options) ? new Mutex() : undefined;
  }

  /** Whether units run one at a time in this process (SQLite), see `serialisesUnitsOfWork`. */
  get serialisesUnits(): boolean {
    return this.serialised !== undefined;
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.exclusive(() => this.runOnce(work));
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransientLockError(error)) throw error;
        const reason = codeOf(error) ?? 'unknown';
        this.retries.inc({ reason });
        this.logger.warn({ event: 'transaction.retry', attempt, reason });
        await sleep(jitteredBackoffMs(attempt));
      }
    }
  }

  /**
   * Runs `work` inside the unit that owns `manager`, as a savepoint: if it throws, only its
   * own writes are undone and the unit may go on (an Idempotency-Key's row then records the
   * refusal). If the savepoint cannot be rolled back, the whole unit fails: with the work's
   * error when that was a deadlock (the database rolled the whole transaction back, savepoints
   * included, so the unit is run again), otherwise with the rollback's.
   */
  async savepoint<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) throw new Error('A savepoint must run inside a unit of work');
    await queryRunner.startTransaction();
    try {
      const result = await work();
      await queryRunner.commitTransaction();
      return result;
    } catch (error) {
      try {
        await queryRunner.rollbackTransaction();
      } catch (rollbackError) {
        // "SAVEPOINT ... does not exist" after a deadlock or a Galera brute-force abort hides
        // the error that says the unit may simply run again.
        throw isTransientLockError(error) ? error : rollbackError;
      }
      throw error;
    }
  }

  /**
   * A read outside any transaction. On SQLite it waits for the unit in progress, whose
   * uncommitted writes would otherwise be visible on the shared connection.
   */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.exclusive(() => work(this.dataSource.manager));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serialised ? this.serialised.runExclusive(work) : work();
  }

  private async runOnce<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      await queryRunner.connect();
      // READ COMMITTED: a re-read after taking a lock sees what the previous lock holder
      // committed, and InnoDB takes no gap locks, so unrelated inserts never block.
      await queryRunner.startTransaction(this.serialised ? undefined : 'READ COMMITTED');
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
}

/** Exponential, capped, with full jitter so units that conflicted do not meet again in step. */
function jitteredBackoffMs(attempt: number): number {
  return Math.min(5 * 2 ** attempt, MAX_BACKOFF_MS) * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { Injectable } from '@nestjs/common';
import { type EntityManager, IsNull } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { databaseClockSql, getOneWithClock, parseDatabaseTime } from '../database/db-clock';
import { execute, select, sqlDateTime } from '../database/raw-sql';
import { lockForUpdate } from '../database/row-lock';
import { Hold } from './hold.entity';

export type NewHold = Pick<Hold, 'productId' | 'customerId' | 'quantity' | 'holdExpiresAt' | 'createdAt'>;

/** Hold persistence. Every method takes the manager of the caller's unit of work first (UnitOfWork.run or read). */
@Injectable()
export class HoldsRepository {
  findById(manager: EntityManager, id: number): Promise<Hold | null> {
    return manager.getRepository(Hold).findOneBy({ id });
  }

  /** A page of holds, newest first: every hold, or one customer's (served by IDX_holds_customer_product). */
  findPage(
    manager: EntityManager,
    { page, perPage }: PageRequest,
    customerId: string | null = null,
  ): Promise<[Hold[], number]> {
    return manager.getRepository(Hold).findAndCount({
      where: customerId === null ? {} : { customerId },
      order: { id: 'DESC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
  }

  /**
   * Inserts holds of one product in a single statement and returns them with their ids.
   * Must run while the caller holds that product's row lock: then the newest rows for the
   * product are exactly these, in insertion order, on every engine and auto-increment mode.
   * Hand-written SQL: this runs once per batch of hold requests, under the hot row lock.
   */
  async insertForLockedProduct(manager: EntityManager, productId: number, rows: NewHold[]): Promise<Hold[]> {
    const values = rows.map(() => '(?, ?, ?, ?, ?)').join(', ');
    const parameters = rows.flatMap((row) => [
      row.productId,
      row.customerId,
      row.quantity,
      sqlDateTime(row.holdExpiresAt),
      sqlDateTime(row.createdAt),
    ]);
    await execute(
      manager,
      `INSERT INTO holds (product_id, customer_id, quantity, hold_expires_at, created_at) VALUES ${values}`,
      parameters,
    );
    const inserted = await select<{ id: number | string }>(
      manager,
      'SELECT id FROM holds WHERE product_id = ? ORDER BY id DESC LIMIT ?',
      [productId, rows.length],
    );
    const ids = inserted.map((row) => Number(row.id)).reverse();
    return rows.map((row, index) =>
      Object.assign(new Hold(), row, { id: ids[index], releasedAt: null, usedAt: null }),
    );
  }

  /**
   * Units each of these customers has of one product: in holds still active at `now` (not
   * used, not released, not expired) and in pending or completed orders. Released and expired
   * holds and cancelled orders give their units back. Read under the product's row lock, which
   * every hold of the product takes first, so no hold of the product can commit in between;
   * a hold becoming an order moves its units from one side to the other in one commit.
   * Served by IDX_holds_customer_product and IDX_orders_customer_product.
   */
  async unitsByCustomer(
    manager: EntityManager,
    productId: number,
    customerIds: readonly string[],
    now: Date,
  ): Promise<Map<string, number>> {
    const list = customerIds.map(() => '?').join(', ');
    const rows = await select<{ customer_id: string; units: number | string }>(
      manager,
      `SELECT customer_id, SUM(quantity) AS units FROM (
         SELECT customer_id, quantity FROM holds
          WHERE customer_id IN (${list}) AND product_id = ?
            AND used_at IS NULL AND released_at IS NULL AND hold_expires_at > ?
         UNION ALL
         SELECT customer_id, quantity FROM orders
          WHERE customer_id IN (${list}) AND product_id = ? AND status IN ('pending', 'completed')
       ) live GROUP BY customer_id`,
      [...customerIds, productId, sqlDateTime(now), ...customerIds, productId],
    );
    return new Map(rows.map((row) => [row.customer_id, Number(row.units)]));
  }

  /** Holds by id, with the database's clock read in the same statement; null when none exists. */
  async findByIdsWithClock(
    manager: EntityManager,
    ids: readonly number[],
  ): Promise<{ rows: Hold[]; now: Date } | null> {
    const { entities, raw } = await manager
      .getRepository(Hold)
      .createQueryBuilder('hold')
      .where('hold.id IN (:...ids)', { ids: [...ids] })
      .addSelect(databaseClockSql(manager.connection.options), 'db_now')
      .getRawAndEntities<{ db_now: Date | string }>();
    if (entities.length === 0) return null;
    return { rows: entities, now: parseDatabaseTime(raw[0].db_now) };
  }

  /**
   * Locks the hold and reads the database's clock in one statement: on MySQL/MariaDB the time
   * the statement started, so a wait for the hold's lock (behind a release or another order of
   * the same hold, both short) makes the clock early by that wait: a hold that expires during
   * it may still be ordered, a grace of at most that wait. Never both used and released: the
   * release decides under the same lock and a guarded UPDATE.
   */
  lockByIdWithClock(manager: EntityManager, id: number): Promise<{ row: Hold; now: Date } | null> {
    return getOneWithClock(
      lockForUpdate(manager.getRepository(Hold).createQueryBuilder('hold')).where('hold.id = :id', { id }),
    );
  }

  /**
   * Active holds expired by the database's clock, oldest expiry first, without locking:
   * candidates for the sweeper, which re-checks each under its locks. Served by
   * IDX_holds_active_expiry. `excludedProductIds`: products the sweeper skips in this run.
   */
  async findExpiredActive(
    manager: EntityManager,
    limit: number,
    excludedProductIds: readonly number[] = [],
    expiredForMs = 0,
  ): Promise<Array<{ id: number; productId: number }>> {
    const query = manager
      .getRepository(Hold)
      .createQueryBuilder('hold')
      .select('hold.id', 'id')
      .addSelect('hold.product_id', 'productId')
      .where(
        `hold.released_at IS NULL AND hold.used_at IS NULL AND hold.hold_expires_at <= ${databaseClockSql(manager.connection.options, expiredForMs)}`,
      );
    if (excludedProductIds.length > 0) {
      query.andWhere('hold.product_id NOT IN (:...excluded)', { excluded: excludedProductIds });
    }
    const rows = await query
      .orderBy('hold.hold_expires_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number | string; productId: number | string }>();
    return rows.map((row) => ({ id: Number(row.id), productId: Number(row.productId) }));
  }

  /**
   * Locks these holds for a release; the caller holds their product's lock already (lock
   * order: product, then hold). By primary key only: a condition on product_id could make
   * InnoDB scan, and lock, every hold of the product. With `skipLocked`, rows another
   * transaction holds (an order being created) are left out instead of waited for.
   */
  lockForRelease(
    manager: EntityManager,
    ids: readonly number[],
    options: { skipLocked?: boolean } = {},
  ): Promise<Hold[]> {
    return lockForUpdate(manager.getRepository(Hold).createQueryBuilder('hold'), options)
      .where('hold.id IN (:...ids)', { ids })
      .orderBy('hold.id', 'ASC')
      .getMany();
  }

  /** Guarded transition: only an active hold can be used. Returns whether it happened. */
  async markUsed(manager: EntityManager, id: number, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Hold)
      .set({ usedAt: now })
      .where('id = :id AND used_at IS NULL AND released_at IS NULL', { id })
      .execute();
    return result.affected === 1;
  }

  /** Guarded transition: releasing twice, or releasing a used hold, changes nothing. Returns the rows changed. */
  async markReleased(manager: EntityManager, ids: readonly number[], now: Date): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .update(Hold)
      .set({ releasedAt: now })
      .where('id IN (:...ids) AND used_at IS NULL AND released_at IS NULL AND hold_expires_at <= :now', {
        ids,
        now,
      })
      .execute();
    return result.affected ?? 0;
  }

  /** Whether the product has a hold neither used nor released (served by the product's holds index). */
  async hasActiveOn(manager: EntityManager, productId: number): Promise<boolean> {
    const found = await manager.getRepository(Hold).findOne({
      select: { id: true },
      where: { productId, usedAt: IsNull(), releasedAt: IsNull() },
    });
    return found !== null;
  }
}

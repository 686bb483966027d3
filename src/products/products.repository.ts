import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { databaseNow, getOneWithClock } from '../database/db-clock';
import { execute, sqlDateTime } from '../database/raw-sql';
import { lockForUpdate, serialisesUnitsOfWork } from '../database/row-lock';
import { Product } from './product.entity';

type QueueSettings =
  'queueEnabled' | 'queueAdmitPerMinute' | 'queueAdmissionSeconds' | 'queueSeed' | 'queueCommitment';
export type ProductDetails = Partial<
  Pick<
    Product,
    'name' | 'price' | 'saleStartsAt' | 'saleEndsAt' | 'maxPerCustomer' | 'status' | QueueSettings
  >
>;
export type NewProduct = Pick<
  Product,
  'name' | 'price' | 'totalStock' | 'saleStartsAt' | 'saleEndsAt' | 'maxPerCustomer' | 'status' | 'createdAt'
> &
  Partial<Pick<Product, QueueSettings>>;

export interface StockLevel {
  id: number;
  available: number;
  total: number;
}

/** Product persistence. Every method takes the manager of the caller's unit of work first (UnitOfWork.run or read). */
@Injectable()
export class ProductsRepository {
  /** A plain (non-locking) read. */
  findById(manager: EntityManager, id: number): Promise<Product | null> {
    return manager.getRepository(Product).findOneBy({ id });
  }

  /** A plain read of a product buyers may see (live); null for a draft or archived one. */
  findPublicById(manager: EntityManager, id: number): Promise<Product | null> {
    return manager.getRepository(Product).findOneBy({ id, status: 'live' });
  }

  /** The live products, by id: drafts and archived products are the operator's only. */
  findPublicPage(manager: EntityManager, { page, perPage }: PageRequest): Promise<[Product[], number]> {
    return manager.getRepository(Product).findAndCount({
      where: { status: 'live' },
      order: { id: 'ASC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
  }

  /** Stock of the first `limit` products by id, for the metrics gauges (a plain, bounded read). */
  async findStockLevels(manager: EntityManager, limit: number): Promise<StockLevel[]> {
    const rows = await manager
      .getRepository(Product)
      .createQueryBuilder('product')
      .select(['product.id AS id', 'product.available_stock AS available', 'product.total_stock AS total'])
      .orderBy('product.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number | string; available: number | string; total: number | string }>();
    return rows.map((row) => ({
      id: Number(row.id),
      available: Number(row.available),
      total: Number(row.total),
    }));
  }

  /** SELECT ... FOR UPDATE: the product row is the lock every stock change queues on. */
  lockById(manager: EntityManager, id: number): Promise<Product | null> {
    return this.lockQuery(manager, id).getOne();
  }

  /**
   * `lockById`, then the database's clock once the lock is held: the time every stock change
   * under this lock decides and stamps with. On MySQL/MariaDB that takes a second statement:
   * UTC_TIMESTAMP in the locking SELECT is the statement's start, before any wait for the lock,
   * so a batch that queued 2 s behind another transaction would decide 2 s in the past. One
   * round trip per lock (per batch of holds), not per hold. On SQLite the unit holds the
   * process's one write lock (UnitOfWork's mutex) before its first statement, so the locking
   * statement's own clock is already after the wait.
   */
  async lockByIdWithClock(manager: EntityManager, id: number): Promise<{ row: Product; now: Date } | null> {
    if (serialisesUnitsOfWork(manager.connection.options)) {
      return getOneWithClock(this.lockQuery(manager, id));
    }
    const row = await this.lockById(manager, id);
    if (!row) return null;
    return { row, now: await databaseNow(manager) };
  }

  /** Guarded: never lets available_stock go negative, even if a caller skipped the check. */
  async reserveStock(manager: EntityManager, id: number, quantity: number, now: Date): Promise<void> {
    // Hand-written: runs once per batch of hold requests, under the hot row lock.
    const affected = await execute(
      manager,
      'UPDATE products SET available_stock = available_stock - ?, updated_at = ? WHERE id = ? AND available_stock >= ?',
      [quantity, sqlDateTime(now), id, quantity],
    );
    assertOneRow(affected, `reserve ${quantity} of product ${id}`);
  }

  /** A new product; all its units are available. Returns its id. */
  async insert(manager: EntityManager, product: NewProduct): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Product)
      .values({ ...product, availableStock: product.totalStock, updatedAt: product.createdAt })
      .execute();
    return Number(result.identifiers[0].id);
  }

  /** Details only (name, price, window, limit): stock moves through adjustStock alone. */
  async updateDetails(manager: EntityManager, id: number, details: ProductDetails, now: Date): Promise<void> {
    await manager.getRepository(Product).update({ id }, { ...details, updatedAt: now });
  }

  /**
   * An operator's stock change: total and available move together, so a removal takes only
   * available units (never held or ordered ones). Guarded like every stock change; the caller
   * holds the row lock and has checked the numbers, so no match means an invariant broke.
   */
  async adjustStock(manager: EntityManager, id: number, delta: number, now: Date): Promise<void> {
    const affected = await execute(
      manager,
      'UPDATE products SET total_stock = total_stock + ?, available_stock = available_stock + ?, updated_at = ? ' +
        'WHERE id = ? AND available_stock + ? >= 0',
      [delta, delta, sqlDateTime(now), id, delta],
    );
    assertOneRow(affected, `adjust product ${id} by ${delta}`);
  }

  /** Guarded: never lets available_stock exceed total_stock, so a unit can't be returned twice. */
  async returnStock(manager: EntityManager, id: number, quantity: number, now: Date): Promise<void> {
    const result = await manager
      .createQueryBuilder()
      .update(Product)
      .set({ availableStock: () => 'available_stock + :quantity', updatedAt: now })
      .where('id = :id AND available_stock + :quantity <= total_stock', { id, quantity })
      .execute();
    assertOneRow(result.affected, `return ${quantity} to product ${id}`);
  }

  private lockQuery(manager: EntityManager, id: number) {
    const query = manager.getRepository(Product).createQueryBuilder('product');
    return lockForUpdate(query).where('product.id = :id', { id });
  }
}

/** A guarded stock update that matched nothing means an invariant broke: abort the transaction. */
function assertOneRow(affected: number | undefined, what: string): void {
  if (affected !== 1) {
    throw new Error(`Stock invariant violated: could not ${what}`);
  }
}

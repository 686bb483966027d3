import { Injectable } from '@nestjs/common';
import { EntityManager, In, LessThan } from 'typeorm';
import { IdempotencyRecord } from './idempotency-record.entity';
import type { IdempotentRequest, StoredResponse } from './idempotency.rules';

/** The unique identity of a key: its route, its customer ('' for none) and the key itself. */
type KeyIdentity = Pick<IdempotentRequest, 'scope' | 'customerId' | 'key'>;

/** Every method takes the manager: on SQLite even reads must go through UnitOfWork (its mutex). */
@Injectable()
export class IdempotencyKeysRepository {
  /** Outside a transaction, a plain read sees only committed keys, which carry their answer. */
  findByKey(
    manager: EntityManager,
    { scope, customerId, key }: KeyIdentity,
  ): Promise<IdempotencyRecord | null> {
    return manager.getRepository(IdempotencyRecord).findOneBy({ scope, customerId, key });
  }

  /**
   * Inserts the key's row. On MySQL/MariaDB, while another transaction holds an uncommitted
   * row for the same key, this waits on the unique index and then fails with a duplicate
   * key once that one commits (or succeeds if it rolled back).
   */
  async insert(manager: EntityManager, request: IdempotentRequest, now: Date): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(IdempotencyRecord)
      .values({
        scope: request.scope,
        customerId: request.customerId,
        key: request.key,
        requestHash: request.fingerprint,
        responseStatus: null,
        responseBody: null,
        createdAt: now,
      })
      .updateEntity(false)
      .execute();
    // Without updateEntity there are no identifiers: the driver's own result has the id,
    // as raw.insertId from mysql2 and as raw itself (lastInsertRowid) from better-sqlite3.
    const raw = result.raw as { insertId?: number } | number | bigint;
    return Number(typeof raw === 'object' ? raw.insertId : raw);
  }

  /** A key older than the window is free again: its old row goes before the new one goes in. */
  async deleteStale(
    manager: EntityManager,
    { scope, customerId, key }: KeyIdentity,
    cutoff: Date,
  ): Promise<void> {
    await manager
      .getRepository(IdempotencyRecord)
      .delete({ scope, customerId, key, createdAt: LessThan(cutoff) });
  }

  async saveResponse(manager: EntityManager, id: number, response: StoredResponse): Promise<void> {
    await manager
      .getRepository(IdempotencyRecord)
      .update({ id }, { responseStatus: response.status, responseBody: JSON.stringify(response.body) });
  }

  /** Oldest first, through IDX_idempotency_keys_created_at; bounded so a purge never holds long locks. */
  async findIdsCreatedBefore(manager: EntityManager, cutoff: Date, limit: number): Promise<number[]> {
    const rows = await manager.getRepository(IdempotencyRecord).find({
      select: { id: true },
      where: { createdAt: LessThan(cutoff) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
    return rows.map((row) => row.id);
  }

  async deleteByIds(manager: EntityManager, ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await manager.getRepository(IdempotencyRecord).delete({ id: In([...ids]) });
    return result.affected ?? 0;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { toErrorResponse } from '../common/errors/error-response';
import { isUniqueViolation } from '../database/db-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './idempotency.errors';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  IdempotentRequest,
  isFresh,
  isStoredRefusal,
  StoredResponse,
} from './idempotency.rules';

/** Keys deleted per statement by the purge, and statements per run: short, bounded work. */
const PURGE_BATCH_SIZE = 500;
const PURGE_MAX_BATCHES = 20;

type Outcome<T> = { result: T } | { refusal: unknown };

/**
 * Idempotency-Key for use cases (Stripe's semantics): a request's answer is stored in the
 * same transaction as its effect, so a retry either finds the answer or finds nothing done.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly keys: IdempotencyKeysRepository,
  ) {}

  /**
   * The stored answer for this key, or undefined when the key is new (or older than 24 h).
   * Throws IDEMPOTENCY_KEY_REUSED when the key was used with another body.
   */
  async findStored(request: IdempotentRequest): Promise<StoredResponse | undefined> {
    const row = await this.unitOfWork.read((manager) => this.keys.findByKey(manager, request));
    if (
      !row ||
      row.responseStatus === null ||
      row.responseBody === null ||
      !isFresh(row.createdAt, new Date())
    ) {
      return undefined;
    }
    if (row.requestHash !== request.fingerprint) throw new IdempotencyKeyReusedError();
    return { status: row.responseStatus, body: JSON.parse(row.responseBody) as unknown };
  }

  /**
   * Runs `work` in one unit of work that first claims the key and at the end stores the
   * answer (`present(result)`, or the refusal's error body), then commits both together.
   * Lock order: the key's row first (only its own twins ever want it), then whatever `work`
   * locks (product, hold, order). Post-commit work stays with the caller.
   *
   * A twin arriving while this runs waits on the key's unique index and, once this commits,
   * gets IDEMPOTENCY_KEY_IN_USE, having done nothing; the HTTP layer then replays the answer.
   */
  async execute<T>(
    request: IdempotentRequest,
    work: (manager: EntityManager) => Promise<T>,
    present: (result: T) => StoredResponse,
  ): Promise<T> {
    const outcome = await this.unitOfWork.run(async (manager): Promise<Outcome<T>> => {
      const id = await this.claim(manager, request);
      try {
        // A savepoint: a refusal undoes whatever the work wrote, and the key still records it.
        const result = await this.unitOfWork.savepoint(manager, () => work(manager));
        await this.keys.saveResponse(manager, id, present(result));
        return { result };
      } catch (error) {
        if (!isStoredRefusal(error)) throw error;
        const { httpStatus, body } = toErrorResponse(error);
        await this.keys.saveResponse(manager, id, { status: httpStatus, body });
        return { refusal: error };
      }
    });
    if ('refusal' in outcome) throw outcome.refusal;
    return outcome.result;
  }

  /** Deletes keys older than 24 h (the sweeper calls this). Bounded; returns how many went. */
  async purgeExpired(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS);
    let purged = 0;
    for (let batch = 0; batch < PURGE_MAX_BATCHES; batch++) {
      const deleted = await this.unitOfWork.run(async (manager) => {
        const ids = await this.keys.findIdsCreatedBefore(manager, cutoff, PURGE_BATCH_SIZE);
        return { found: ids.length, deleted: await this.keys.deleteByIds(manager, ids) };
      });
      purged += deleted.deleted;
      if (deleted.found < PURGE_BATCH_SIZE) break;
    }
    if (purged > 0) this.logger.log({ event: 'idempotency.keys_purged', purged });
    return purged;
  }

  private async claim(manager: EntityManager, request: IdempotentRequest): Promise<number> {
    const now = new Date();
    await this.keys.deleteStale(manager, request, new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS));
    try {
      return await this.keys.insert(manager, request, now);
    } catch (error) {
      if (isUniqueViolation(error)) throw new IdempotencyKeyInUseError();
      throw error;
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import type { AllConfig } from '../config/config.types';
import { DomainError } from '../common/errors/domain.error';
import { databaseNow } from '../database/db-clock';
import { KeyedBatcher } from '../common/keyed-batcher';
import { UnitOfWork } from '../database/unit-of-work';
import { HoldExpiryScheduler } from '../expiry/scheduling/hold-expiry.scheduler';
import { planSweep } from './sweep-plan';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { SaleMetrics } from '../metrics/sale-metrics';
import type { Product } from '../products/product.entity';
import { InsufficientStockError, ProductNotFoundError } from '../products/product.errors';
import { ProductStock } from '../products/stock/product-stock';
import { hasSaleRules, saleWindowRefusal } from '../products/sale.rules';
import { createdHoldAnswer } from './dto/hold-response.dto';
import { Hold } from './hold.entity';
import { HoldNotFoundError } from './hold.errors';
import {
  allocate,
  allocateWithCustomerLimit,
  assertQuantityAllowed,
  expiresAt,
  HoldRequest,
  isReleasable,
  isVisibleTo,
  notYetDueForMs,
  LimitedAllocation,
} from './hold.rules';
import { HoldsRepository } from './holds.repository';

/** A granted hold, or the refusal of that one request (no stock, sale closed, customer limit). */
export type ReservationResult = Hold | DomainError;

/** A batched request's answer, and the batch's post-commit work it must wait for before answering. */
interface BatchedReservation {
  result: ReservationResult;
  afterCommit: Promise<void>;
}

/** Who released a hold: its delayed job, or the sweeper (safety net). */
export type ReleaseSource = 'job' | 'sweeper';

@Injectable()
export class HoldsService {
  private readonly logger = new Logger(HoldsService.name);
  private readonly ttlSeconds: number;
  private readonly maxQuantity: number;
  /** Hold requests for one product that arrive together share one transaction and one row lock. */
  private readonly reservations: KeyedBatcher<number, HoldRequest, BatchedReservation>;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stock: ProductStock,
    private readonly holds: HoldsRepository,
    private readonly expiry: HoldExpiryScheduler,
    private readonly metrics: SaleMetrics,
    private readonly idempotency: IdempotencyService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.ttlSeconds = config.getOrThrow('app.holdTtlSeconds', { infer: true });
    this.maxQuantity = config.getOrThrow('app.maxHoldQuantity', { infer: true });
    this.reservations = new KeyedBatcher(
      async (productId, requests) => {
        const results = await this.reserveInTransaction(productId, requests);
        // Not awaited here: the product's next batch may take the row lock as soon as this
        // one commits, while each request of this batch still waits for it before answering.
        const afterCommit = this.afterReserve(productId, results);
        return results.map((result) => ({ result, afterCommit }));
      },
      {
        maxBatchSize: config.getOrThrow('app.holdBatchMaxSize', { infer: true }),
        maxQueued: config.getOrThrow('app.holdBatchMaxQueued', { infer: true }),
        maxQueuedTotal: config.getOrThrow('app.holdBatchMaxQueuedTotal', { infer: true }),
        // SQLite's transactions never wait for I/O: gather each turn's requests instead.
        gatherEachTurn: unitOfWork.serialisesUnits,
      },
    );
  }

  /**
   * Reserves `quantity` units of a product for HOLD_TTL_SECONDS, for `customerId` when the
   * storefront names one (required by a product with max_per_customer). With an
   * Idempotency-Key the answer is stored with the hold, so a retry reserves nothing more.
   */
  async create(
    productId: number,
    quantity: number,
    idempotency?: IdempotentRequest,
    customerId: string | null = null,
  ): Promise<Hold> {
    const request: HoldRequest = { quantity, customerId };
    const reservation = idempotency
      ? this.reserveIdempotent(productId, request, idempotency)
      : this.reserveOne(productId, request);
    const result = await reservation.catch((error: unknown) => {
      if (error instanceof DomainError) this.metrics.holdRefused(error.code);
      throw error;
    });
    this.metrics.holdCreated();
    this.logger.log({
      event: 'hold.created',
      hold_id: result.id,
      product_id: productId,
      quantity,
      hold_expires_at: result.holdExpiresAt.toISOString(),
    });
    return result;
  }

  private async reserveOne(productId: number, request: HoldRequest): Promise<Hold> {
    assertQuantityAllowed(request.quantity, this.maxQuantity);
    const { result, afterCommit } = await this.reservations.submit(productId, request);
    await afterCommit;
    if (result instanceof DomainError) throw result;
    return result;
  }

  /**
   * Not in a batch: the key's row must commit in the same transaction as this one hold. Same
   * locks and post-commit work as a batch of one; the key's row is locked first. Still counted
   * against the batcher's bounds, so a key cannot bypass load shedding.
   */
  private async reserveIdempotent(
    productId: number,
    request: HoldRequest,
    idempotency: IdempotentRequest,
  ): Promise<Hold> {
    assertQuantityAllowed(request.quantity, this.maxQuantity);
    const hold = await this.reservations.runBeside(productId, () =>
      this.reserveIdempotentNow(productId, request, idempotency),
    );
    await this.afterReserve(productId, [hold]);
    return hold;
  }

  private reserveIdempotentNow(
    productId: number,
    request: HoldRequest,
    idempotency: IdempotentRequest,
  ): Promise<Hold> {
    return this.idempotency.execute(
      idempotency,
      async (manager) => {
        const [result] = await this.reserveLocked(manager, productId, [request]);
        if (result instanceof DomainError) throw result;
        return result;
      },
      (created) => ({ status: 201, body: createdHoldAnswer(created) }),
    );
  }

  /**
   * One transaction for one or more requests on the same product: lock the product row,
   * allocate first come first served, take the stock with one guarded UPDATE and insert
   * the granted holds with one INSERT. Refused requests take nothing.
   */
  private reserveInTransaction(
    productId: number,
    requests: readonly HoldRequest[],
  ): Promise<ReservationResult[]> {
    return this.unitOfWork.run((manager) => this.reserveLocked(manager, productId, requests));
  }

  /** The body of a reservation, inside the caller's unit of work (lock order: product, then hold). */
  private async reserveLocked(
    manager: EntityManager,
    productId: number,
    requests: readonly HoldRequest[],
  ): Promise<ReservationResult[]> {
    const locked = await this.stock.lock(manager, productId);
    if (!locked) throw new ProductNotFoundError(productId);
    // The database's clock, read once the lock is ours: the hold gets its full TTL however long
    // the batch queued for the lock, a sale window that closed during that wait refuses it, and
    // every process that later releases or orders it decides by the same clock, whatever the
    // skew between hosts.
    const { product, now } = locked;
    // Most products have no window and no limit: no count, just the stock.
    const allocations: LimitedAllocation[] = hasSaleRules(product)
      ? await this.allocateUnderSaleRules(manager, product, requests, now)
      : allocate(
          product.availableStock,
          requests.map((request) => request.quantity),
        );
    const granted = requests.filter((_, index) => allocations[index].granted);
    let holds: Hold[] = [];
    if (granted.length > 0) {
      const total = granted.reduce((sum, request) => sum + request.quantity, 0);
      await this.stock.take(manager, locked, total);
      holds = await this.holds.insertForLockedProduct(
        manager,
        productId,
        granted.map((request) => ({
          productId,
          customerId: request.customerId,
          quantity: request.quantity,
          holdExpiresAt: expiresAt(now, this.ttlSeconds),
          createdAt: now,
        })),
      );
    }
    let next = 0;
    return allocations.map((allocation, index) => {
      if (allocation.granted) return holds[next++];
      return 'refusal' in allocation
        ? allocation.refusal
        : new InsufficientStockError(requests[index].quantity, allocation.available);
    });
  }

  /**
   * The window and the per-customer limit, decided with the database's clock (`now`, read
   * with the lock) and the locked row, so a PATCH that committed before this lock applies to
   * this batch, on every process.
   */
  private async allocateUnderSaleRules(
    manager: EntityManager,
    product: Product,
    requests: readonly HoldRequest[],
    now: Date,
  ): Promise<LimitedAllocation[]> {
    const closed = saleWindowRefusal(product, now);
    if (closed) return requests.map(() => ({ granted: false, refusal: closed }));
    if (product.maxPerCustomer === null) {
      return allocate(
        product.availableStock,
        requests.map((request) => request.quantity),
      );
    }
    const customers = [
      ...new Set(requests.flatMap((request) => (request.customerId === null ? [] : [request.customerId]))),
    ];
    const used =
      customers.length > 0
        ? await this.holds.unitsByCustomer(manager, product.id, customers, now)
        : new Map();
    return allocateWithCustomerLimit(product.availableStock, requests, product.maxPerCustomer, used);
  }

  /** Bounded, and never throws: neither a slow Redis nor a failed enqueue may fail a committed hold. */
  private async afterReserve(productId: number, results: readonly ReservationResult[]): Promise<void> {
    const holds = results.filter((result): result is Hold => result instanceof Hold);
    if (holds.length === 0) return;
    await Promise.all([
      // Before answering, so a read that starts after this answer sees the new stock.
      this.stock.afterCommit(productId),
      // After commit, so a job can never run before its hold exists.
      this.expiry.schedule(holds),
    ]);
  }

  /**
   * Gives an expired, unused hold's stock back, once; returns it if this call released it,
   * else null. Safe to call any number of times, concurrently with itself, the sweeper and
   * order creation.
   */
  async releaseIfExpired(holdId: number, source: ReleaseSource): Promise<Hold | null> {
    const { released } = await this.releaseDue([holdId], source);
    return released[0] ?? null;
  }

  /**
   * A delayed job's release of its batch, which also says how long until the last of the
   * batch's holds that are still active but not due yet by the database's clock is due (null
   * when none is): a job that ran early, because the host that added it and the worker's host
   * disagree on the time, waits that long more instead of leaving its holds to the sweeper.
   */
  releaseForJob(holdIds: readonly number[]): Promise<{ released: Hold[]; notDueForMs: number | null }> {
    return this.releaseDue(holdIds, 'job');
  }

  private async releaseDue(
    holdIds: readonly number[],
    source: ReleaseSource,
  ): Promise<{ released: Hold[]; notDueForMs: number | null }> {
    // A cheap look first (a job of a used hold is common), by the database's clock like the release.
    const found = await this.unitOfWork.read((manager) => this.holds.findByIdsWithClock(manager, holdIds));
    if (!found) return { released: [], notDueForMs: null };
    const released: Hold[] = [];
    const due = found.rows.filter((hold) => isReleasable(hold, found.now));
    for (const [productId, productHolds] of planSweep(due)) {
      released.push(...(await this.releaseExpired(productId, productHolds, source)));
    }
    return { released, notDueForMs: notYetDueForMs(found.rows, found.now) };
  }

  /**
   * Releases those of `holdIds` (holds of one product) that are still active and expired, in
   * one transaction: lock the product, then the holds (the fixed lock order), re-check them
   * under the locks, guarded UPDATE, return the units. Whatever else runs at the same time
   * (a second job, other sweepers, an order for the same hold), each hold is released at
   * most once and a used hold never is.
   *
   * The sweeper claims holds with SKIP LOCKED: a hold locked by an order in flight is left
   * for the next pass rather than waited for. A job waits: it is that hold's on-time release.
   */
  async releaseExpired(
    productId: number,
    holdIds: readonly number[],
    source: ReleaseSource,
  ): Promise<Hold[]> {
    const released = await this.unitOfWork.run(async (manager) => {
      // The database's clock as of the product lock decides which holds have expired.
      const product = await this.stock.lock(manager, productId);
      if (!product) return [];
      const { now } = product;
      const locked = await this.holds.lockForRelease(manager, holdIds, { skipLocked: source === 'sweeper' });
      const releasable = locked.filter((hold) => hold.productId === productId && isReleasable(hold, now));
      if (releasable.length === 0) return [];
      const ids = releasable.map((hold) => hold.id);
      // Cannot differ under the locks; if it ever did, roll back rather than return wrong stock.
      const changed = await this.holds.markReleased(manager, ids, now);
      if (changed !== ids.length) {
        throw new Error(`Release of holds ${ids.join(',')} changed ${changed} rows`);
      }
      const quantity = releasable.reduce((sum, hold) => sum + hold.quantity, 0);
      await this.stock.giveBack(manager, product, quantity);
      return releasable.map((hold) => Object.assign(hold, { releasedAt: now }));
    });
    for (const hold of released) {
      this.logger.log({
        event: 'hold.released',
        hold_id: hold.id,
        product_id: hold.productId,
        quantity: hold.quantity,
        source,
      });
    }
    if (released.length > 0) {
      this.metrics.holdReleased(source, released.length);
      await this.stock.afterCommit(productId);
    }
    return released;
  }

  /** Hold requests for this product waiting for the next batch in this process. */
  queuedFor(productId: number): number {
    return this.reservations.queued(productId);
  }

  /**
   * The hold, and the database's time of the read: its `status` is computed with that clock
   * too. `ownerId`: a verified buyer sees only their own holds (another's is not found, so
   * its existence is not revealed); null reads any hold.
   */
  async findOne(id: number, ownerId: string | null = null): Promise<{ hold: Hold; now: Date }> {
    const found = await this.unitOfWork.read((manager) => this.holds.findByIdsWithClock(manager, [id]));
    const hold = found?.rows[0];
    if (!found || !hold || !isVisibleTo(hold, ownerId)) throw new HoldNotFoundError(id);
    return { hold, now: found.now };
  }

  /**
   * A page of holds (only `ownerId`'s when given), their total, and the database's time of
   * the read (for their `status`).
   */
  findPage(
    request: PageRequest,
    ownerId: string | null = null,
  ): Promise<{ holds: Hold[]; total: number; now: Date }> {
    return this.unitOfWork.read(async (manager) => {
      const [holds, total] = await this.holds.findPage(manager, request, ownerId);
      return { holds, total, now: await databaseNow(manager) };
    });
  }
}

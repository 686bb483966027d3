import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import type { AllConfig } from '../config/config.types';
import { DomainError } from '../common/errors/domain.error';
import { KeyedBatcher } from '../common/keyed-batcher';
import { UnitOfWork } from '../database/unit-of-work';
import { HoldExpiryScheduler } from '../expiry/scheduling/hold-expiry.scheduler';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { SaleMetrics } from '../metrics/sale-metrics';
import type { Product } from '../products/product.entity';
import { InsufficientStockError, ProductNotFoundError } from '../products/product.errors';
import { LockedProduct, ProductStock } from '../products/stock/product-stock';
import { isPublic } from '../products/product-status';
import { hasSaleRules, saleWindowRefusal } from '../products/sale.rules';
import { createdHoldAnswer } from './dto/hold-response.dto';
import { Hold } from './hold.entity';
import { HoldAdmission } from './hold-admission.port';
import {
  admitted,
  allocate,
  allocateWithCustomerLimit,
  assertQuantityAllowed,
  expiresAt,
  HoldRequest,
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

/**
 * Reservations: a hold request is batched with the other requests for its product that arrive
 * together (KeyedBatcher), allocated first come first served under the product's lock
 * (ProductStock), and its expiry scheduled after the commit. Releases are HoldReleasesService's,
 * reads HoldReadsService's.
 */
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
    // Bound by the waiting room (src/queue/); absent, a product with a queue refuses every hold.
    @Optional() private readonly admission?: HoldAdmission,
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
    admissionToken?: string,
  ): Promise<Hold> {
    // The signature is checked here, in memory; whether the product needs it is decided under its lock.
    const admission = admissionToken === undefined ? undefined : this.admission?.read(admissionToken);
    const request: HoldRequest = { quantity, customerId, admission };
    const reservation = idempotency
      ? this.reserveIdempotent(productId, request, idempotency)
      : this.reserveOne(productId, request);
    const result = await reservation.catch((error: unknown) => {
      if (error instanceof DomainError) this.metrics.holdRefused(error.code);
      throw error;
    });
    this.metrics.holdCreated();
    if (admission && admission !== 'invalid' && admission.productId === productId) {
      await this.admission?.used(admission);
    }
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
    // A draft or archived product is not for sale, and buyers cannot tell it exists.
    if (!locked || !isPublic(locked.product)) throw new ProductNotFoundError(productId);
    // The database's clock, read once the lock is ours: the hold gets its full TTL however long
    // the batch queued for the lock, a sale window that closed during that wait refuses it, and
    // every process that later releases or orders it decides by the same clock, whatever the
    // skew between hosts.
    const { product, now } = locked;
    // A waiting room first: a request without a valid admission takes nothing.
    const checked = product.queueEnabled
      ? requests.map((request) => admitted(productId, request, now))
      : requests;
    const eligible = checked.filter((entry): entry is HoldRequest => !(entry instanceof DomainError));
    const allocated = await this.allocateEligible(manager, locked, eligible);
    let nextEligible = 0;
    return checked.map((entry) => (entry instanceof DomainError ? entry : allocated[nextEligible++]));
  }

  private async allocateEligible(
    manager: EntityManager,
    locked: LockedProduct,
    requests: readonly HoldRequest[],
  ): Promise<ReservationResult[]> {
    const { product, now } = locked;
    const productId = product.id;
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

  /** Hold requests for this product waiting for the next batch in this process. */
  queuedFor(productId: number): number {
    return this.reservations.queued(productId);
  }
}

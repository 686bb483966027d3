import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ValidationFailedError } from '../common/errors/domain.error';
import { success } from '../common/http/envelope';
import type { PageRequest } from '../common/http/pagination.dto';
import { normalizeDecimal } from '../common/money';
import { UnitOfWork } from '../database/unit-of-work';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { IdempotencyService } from '../idempotency/idempotency.service';
import type { Product } from '../products/product.entity';
import { InsufficientStockError, ProductNotFoundError } from '../products/product.errors';
import { ProductDetails, ProductsService } from '../products/products.service';
import { LedgerLine, LockedProduct, ProductStock } from '../products/stock/product-stock';
import { AdminProductsRepository, AdminProductView } from './admin-products.repository';
import { AdminProductResponseDto } from './dto/admin-product-response.dto';
import { endsAfterStart, MAX_TOTAL_STOCK } from './dto/admin-validators';
import type { AdjustStockDto } from './dto/adjust-stock.dto';
import type { CreateProductDto } from './dto/create-product.dto';
import { UPDATABLE_FIELDS, UpdateProductDto } from './dto/update-product.dto';
import { drawFor } from '../queue/draw';
import { LineClosing } from '../queue/closing/line-closing';
import { QueueLines } from '../queue/line/queue-lines';

const DEFAULT_ADMIT_PER_MINUTE = 600;
const DEFAULT_ADMISSION_SECONDS = 300;

/**
 * The operator's use cases. Every change is one transaction under the product's row lock (the
 * lock holds take, through ProductStock), so it is exact against concurrent holds, releases and
 * cancellations; ProductStock.afterCommit runs after the commit and before the answer, so the
 * next read and the live streams show it.
 */
@Injectable()
export class AdminProductsService {
  private readonly logger = new Logger(AdminProductsService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly products: ProductsService,
    private readonly stock: ProductStock,
    private readonly views: AdminProductsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly lines: QueueLines,
    private readonly closing: LineClosing,
  ) {}

  /** The product's stock ledger, newest first; 404 for an unknown product. */
  movements(id: number, request: PageRequest): Promise<[LedgerLine[], number]> {
    return this.unitOfWork.read(async (manager) => {
      await this.viewOf(manager, id);
      return this.stock.ledgerPage(manager, id, request);
    });
  }

  async create(body: CreateProductDto, actor: string): Promise<AdminProductView> {
    const view = await this.unitOfWork.run(async (manager) => {
      const now = new Date();
      const queue = queueOnCreate(body, now);
      const id = await this.products.create(manager, {
        ...queue,
        name: body.name,
        price: normalizeDecimal(body.price),
        totalStock: body.total_stock,
        saleStartsAt: instant(body.sale_starts_at),
        saleEndsAt: instant(body.sale_ends_at),
        maxPerCustomer: body.max_per_customer ?? null,
        status: body.status ?? 'live',
        createdAt: now,
      });
      await this.stock.recordInitialStock(manager, id, body.total_stock, now, actor);
      return this.viewOf(manager, id);
    });
    await this.stock.afterCommit(view.product.id);
    this.logger.log({
      event: 'product.created',
      actor,
      product_id: view.product.id,
      ...settingsOf(view.product),
    });
    return view;
  }

  findOne(id: number): Promise<AdminProductView> {
    return this.unitOfWork.read((manager) => this.viewOf(manager, id));
  }

  /** Nobody has a ticket in the product's line (and it has placed nobody first come first served). */
  private async lineIsEmpty(productId: number): Promise<boolean> {
    const line = await this.lines.summary(productId, Date.now());
    return line.waiting === 0 && line.admitted === 0 && !line.drawn;
  }

  findPage(request: PageRequest): Promise<[AdminProductView[], number]> {
    return this.unitOfWork.read((manager) => this.views.findPage(manager, request));
  }

  async update(id: number, body: UpdateProductDto, actor: string): Promise<AdminProductView> {
    const changed = UPDATABLE_FIELDS.filter((field) => body[field] !== undefined);
    if (changed.length === 0) {
      throw new ValidationFailedError({ body: [`send at least one of ${UPDATABLE_FIELDS.join(', ')}`] });
    }
    const view = await this.unitOfWork.run(async (manager) => {
      const { product, now } = await this.lock(manager, id);
      const details = detailsOf(body);
      // The window as it will be: one bound may come from the body and the other from the row.
      const startsAt = details.saleStartsAt !== undefined ? details.saleStartsAt : product.saleStartsAt;
      const endsAt = details.saleEndsAt !== undefined ? details.saleEndsAt : product.saleEndsAt;
      if (!endsAfterStart(startsAt, endsAt)) {
        throw new ValidationFailedError({ sale_ends_at: ['sale_ends_at must be after sale_starts_at'] });
      }
      const lineEmpty = needsLineState(product, details, now) ? await this.lineIsEmpty(id) : false;
      Object.assign(details, queueOnUpdate(product, details, now, lineEmpty));
      await this.products.updateDetails(manager, id, details, now);
      return {
        ...(await this.viewOf(manager, id)),
        closedQueue: product.queueEnabled && details.queueEnabled === false,
      };
    });
    await this.stock.afterCommit(id);
    // Every ticket of a closed line turns expired; holds no longer need a token (the row says so).
    // Should this close fail (Redis away) or not happen (the process gone), the admission ticker
    // makes it within a second or so: the change is committed, so the answer stays a success.
    if (view.closedQueue) {
      await this.closing.close(id, { actor }).catch((error: unknown) => {
        this.logger.warn({ event: 'queue.close_deferred', product_id: id, error: String(error) });
      });
    }
    this.logger.log({
      event: 'product.updated',
      actor,
      product_id: id,
      fields: changed,
      ...settingsOf(view.product),
    });
    return view;
  }

  /**
   * Restock (delta > 0) or removal (delta < 0, available units only). With an Idempotency-Key
   * the answer is stored in the same transaction, so a retried restock adds its units once.
   */
  async adjustStock(
    id: number,
    body: AdjustStockDto,
    actor: string,
    idempotency?: IdempotentRequest,
  ): Promise<AdminProductView> {
    const work = (manager: EntityManager) => this.adjustLocked(manager, id, body, actor);
    const view = idempotency
      ? await this.idempotency.execute(idempotency, work, (result) => ({
          status: 200,
          body: success(AdminProductResponseDto.from(result)),
        }))
      : await this.unitOfWork.run(work);
    await this.stock.afterCommit(id);
    this.logger.log({
      event: 'stock.adjusted',
      actor,
      product_id: id,
      delta: body.delta,
      reason: body.reason ?? null,
      total_stock: view.product.totalStock,
      available_stock: view.product.availableStock,
    });
    return view;
  }

  private async adjustLocked(
    manager: EntityManager,
    id: number,
    { delta, reason }: AdjustStockDto,
    actor: string,
  ): Promise<AdminProductView> {
    const locked = await this.lock(manager, id);
    const { product } = locked;
    if (delta < 0 && product.availableStock < -delta) {
      throw new InsufficientStockError(-delta, product.availableStock);
    }
    if (product.totalStock + delta > MAX_TOTAL_STOCK) {
      throw new ValidationFailedError({
        delta: [`total_stock would be ${product.totalStock + delta}; at most ${MAX_TOTAL_STOCK}`],
      });
    }
    await this.stock.adjust(manager, locked, delta, { reason: reason ?? null, actor });
    return this.viewOf(manager, id);
  }

  /** The row lock every hold batch, release and cancellation of this product takes first. */
  private async lock(manager: EntityManager, id: number): Promise<LockedProduct> {
    const locked = await this.stock.lock(manager, id);
    if (!locked) throw new ProductNotFoundError(id);
    return locked;
  }

  private async viewOf(manager: EntityManager, id: number): Promise<AdminProductView> {
    const view = await this.views.findView(manager, id);
    if (!view) throw new ProductNotFoundError(id);
    return view;
  }
}

function instant(value: string | null | undefined): Date | null {
  return value === undefined || value === null ? null : new Date(value);
}

/** 422 unless a queue has a per-buyer limit: otherwise one admitted buyer could take everything. */
function requireBuyerLimit(queueEnabled: boolean, maxPerCustomer: number | null): void {
  if (queueEnabled && maxPerCustomer === null) {
    throw new ValidationFailedError({
      queue_enabled: ['a queue needs max_per_customer (otherwise one admitted buyer could take everything)'],
    });
  }
}

function queueOnCreate(body: CreateProductDto, now: Date): ProductDetails {
  const enabled = body.queue_enabled ?? false;
  requireBuyerLimit(enabled, body.max_per_customer ?? null);
  return {
    queueEnabled: enabled,
    queueAdmitPerMinute: body.queue_admit_per_minute ?? DEFAULT_ADMIT_PER_MINUTE,
    queueAdmissionSeconds: body.queue_admission_seconds ?? DEFAULT_ADMISSION_SECONDS,
    ...(enabled ? drawFor(instant(body.sale_starts_at), now) : { queueSeed: null, queueCommitment: null }),
  };
}

/**
 * The queue settings as they will be. Enabling draws the seed (when the sale starts later);
 * disabling forgets it, so enabling again starts a new line with a new draw. A queue without a
 * seed (first come first served) whose start moves into the future gets its seed then, if
 * nobody has joined yet (`lineEmpty`): the early joiners it will now have are drawn like any
 * pre-queue. Once someone holds a place, the line stays first come first served (their places
 * are fixed); disabling and enabling the queue starts a new line with a draw. A queue with a
 * seed keeps it whenever its start moves: the draw happens at the start in force.
 */
function queueOnUpdate(
  product: Product,
  details: ProductDetails,
  now: Date,
  lineEmpty: boolean,
): ProductDetails {
  const enabled = details.queueEnabled ?? product.queueEnabled;
  const limit = details.maxPerCustomer !== undefined ? details.maxPerCustomer : product.maxPerCustomer;
  requireBuyerLimit(enabled, limit);
  const startsAt = details.saleStartsAt !== undefined ? details.saleStartsAt : product.saleStartsAt;
  if (enabled && !product.queueEnabled) return drawFor(startsAt, now);
  if (!enabled && product.queueEnabled) return { queueSeed: null, queueCommitment: null };
  if (lineEmpty && needsLineState(product, details, now)) return drawFor(startsAt, now);
  return {};
}

/** A queue without a seed whose start this update moves into the future: is its line still empty? */
function needsLineState(product: Product, details: ProductDetails, now: Date): boolean {
  return (
    product.queueEnabled &&
    details.queueEnabled !== false &&
    product.queueSeed === null &&
    details.saleStartsAt !== undefined &&
    details.saleStartsAt !== null &&
    details.saleStartsAt.getTime() > now.getTime()
  );
}

function detailsOf(body: UpdateProductDto): ProductDetails {
  const details: ProductDetails = {};
  if (body.name !== undefined) details.name = body.name;
  if (body.price !== undefined) details.price = normalizeDecimal(body.price);
  if (body.sale_starts_at !== undefined) details.saleStartsAt = instant(body.sale_starts_at);
  if (body.sale_ends_at !== undefined) details.saleEndsAt = instant(body.sale_ends_at);
  if (body.max_per_customer !== undefined) details.maxPerCustomer = body.max_per_customer;
  if (body.status !== undefined) details.status = body.status;
  if (body.queue_enabled !== undefined) details.queueEnabled = body.queue_enabled;
  if (body.queue_admit_per_minute !== undefined) details.queueAdmitPerMinute = body.queue_admit_per_minute;
  if (body.queue_admission_seconds !== undefined) {
    details.queueAdmissionSeconds = body.queue_admission_seconds;
  }
  return details;
}

function settingsOf(product: Product) {
  return {
    status: product.status,
    price: product.price,
    total_stock: product.totalStock,
    available_stock: product.availableStock,
    sale_starts_at: product.saleStartsAt?.toISOString() ?? null,
    sale_ends_at: product.saleEndsAt?.toISOString() ?? null,
    max_per_customer: product.maxPerCustomer,
    queue_enabled: product.queueEnabled,
    queue_admit_per_minute: product.queueAdmitPerMinute,
    queue_admission_seconds: product.queueAdmissionSeconds,
    queue_commitment: product.queueCommitment,
  };
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Product } from '../product.entity';
import { ProductCache } from '../cache/product-cache';
import { ProductChanges } from '../changes/product-changes';
import { ProductsRepository } from '../products.repository';
import type { PageRequest } from '../../common/http/pagination.dto';
import type { StockMovement, StockMovementKind } from './stock-movement.entity';

export { STOCK_MOVEMENT_KINDS } from './stock-movement.entity';
export type { StockMovementKind };
/** One line of the stock ledger, as the admin API reads it. */
export type LedgerLine = StockMovement;
import { StockMovementsRepository } from './stock-movements.repository';

const INITIAL_STOCK_REASON = 'initial stock';

/**
 * A product row locked in the caller's transaction: the lock every stock change of the
 * product queues on, taken first (lock order: product, then hold, then order).
 */
export interface LockedProduct {
  /** The row as read under the lock; ProductStock keeps its stock current as it moves it. */
  readonly product: Product;
  /** The database's clock under the lock: every change made under it decides and stamps with this time. */
  readonly now: Date;
}

/**
 * What the stock ledger keeps about a movement, for the movements worth a line (an operator's;
 * the hot path's holds, releases and cancellations are not recorded). The caller says it, this
 * owner writes it with the stock as it is after the movement, in the same transaction.
 */
export interface LedgerNote {
  reason: string | null;
  /** The ADMIN_API_TOKEN name of the operator who made the change. */
  actor: string;
  /** The order an operator cancelled or restored. */
  orderId?: number;
}

/** A take or giveBack worth a ledger line says which it is; adjust knows from its sign. */
export interface OrderLedgerNote extends LedgerNote {
  kind: Extract<StockMovementKind, 'operator_cancel' | 'restore'>;
  orderId: number;
}

/**
 * The one owner of stock changes, called by the use cases that move stock (holds, releases,
 * payment cancellations and timeouts, the operator), as Vendure's OrderService calls its
 * StockMovementService. Inside the caller's transaction: `lock` the product first, then `take`,
 * `giveBack` or `adjust`, each one guarded UPDATE, and a ledger line when the caller gives a
 * note. After the commit, `afterCommit`: readers and live streams see the change.
 *
 * A guarded UPDATE that matches nothing means an invariant broke (the caller checked the numbers
 * under the lock): it throws, and the whole transaction rolls back.
 */
@Injectable()
export class ProductStock {
  constructor(
    private readonly products: ProductsRepository,
    private readonly ledger: StockMovementsRepository,
    private readonly cache: ProductCache,
    private readonly changes: ProductChanges,
  ) {}

  /** Locks the product's row for the rest of the transaction; null when there is no such product. */
  async lock(manager: EntityManager, id: number): Promise<LockedProduct | null> {
    const locked = await this.products.lockByIdWithClock(manager, id);
    return locked && { product: locked.row, now: locked.now };
  }

  /** Takes `quantity` available units (a hold batch, a restored order). Never below zero. */
  async take(
    manager: EntityManager,
    locked: LockedProduct,
    quantity: number,
    note?: OrderLedgerNote,
  ): Promise<void> {
    await this.products.reserveStock(manager, locked.product.id, quantity, locked.now);
    locked.product.availableStock -= quantity;
    if (note) await this.record(manager, locked, -quantity, note.kind, note);
  }

  /** Gives `quantity` units back on sale (a released hold, a cancelled order). Never above total_stock. */
  async giveBack(
    manager: EntityManager,
    locked: LockedProduct,
    quantity: number,
    note?: OrderLedgerNote,
  ): Promise<void> {
    await this.products.returnStock(manager, locked.product.id, quantity, locked.now);
    locked.product.availableStock += quantity;
    if (note) await this.record(manager, locked, quantity, note.kind, note);
  }

  /**
   * An operator's restock (delta > 0) or removal (delta < 0): total and available move together,
   * so a removal takes only available units. Always recorded in the ledger.
   */
  async adjust(
    manager: EntityManager,
    locked: LockedProduct,
    delta: number,
    note: LedgerNote,
  ): Promise<void> {
    await this.products.adjustStock(manager, locked.product.id, delta, locked.now);
    locked.product.totalStock += delta;
    locked.product.availableStock += delta;
    await this.record(manager, locked, delta, delta > 0 ? 'restock' : 'removal', note);
  }

  /** The ledger's first line for a product just created with `totalStock` units, in its creating transaction. */
  async recordInitialStock(
    manager: EntityManager,
    productId: number,
    totalStock: number,
    now: Date,
    actor: string,
  ): Promise<void> {
    if (totalStock === 0) return;
    await this.ledger.record(manager, {
      productId,
      kind: 'restock',
      delta: totalStock,
      reason: INITIAL_STOCK_REASON,
      actor,
      orderId: null,
      totalStock,
      availableStock: totalStock,
      createdAt: now,
    });
  }

  /** A product's ledger, newest first. */
  ledgerPage(
    manager: EntityManager,
    productId: number,
    request: PageRequest,
  ): Promise<[LedgerLine[], number]> {
    return this.ledger.findPage(manager, productId, request);
  }

  /**
   * After the commit that changed the product (its stock or its sale fields), before answering:
   * the cache drops its answer, so a read that starts after this answer sees the change, and the
   * change is published to the live stock streams of every process. Never throws.
   */
  async afterCommit(productId: number): Promise<void> {
    this.changes.publish(productId);
    await this.cache.invalidate(productId);
  }

  private record(
    manager: EntityManager,
    locked: LockedProduct,
    delta: number,
    kind: StockMovementKind,
    note: LedgerNote,
  ): Promise<void> {
    return this.ledger.record(manager, {
      productId: locked.product.id,
      kind,
      delta,
      reason: note.reason,
      actor: note.actor,
      orderId: note.orderId ?? null,
      totalStock: locked.product.totalStock,
      availableStock: locked.product.availableStock,
      createdAt: locked.now,
    });
  }
}

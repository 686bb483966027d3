import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { multiplyPrice } from '../common/money';
import { isUniqueViolation } from '../database/db-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { SaleMetrics } from '../metrics/sale-metrics';
import type { Hold } from '../holds/hold.entity';
import { HoldAlreadyUsedError, HoldNotFoundError } from '../holds/hold.errors';
import { assertCanBeOrdered, isVisibleTo } from '../holds/hold.rules';
import { HoldsRepository } from '../holds/holds.repository';
import type { IdempotentRequest } from '../idempotency/idempotency.rules';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { ProductNotFoundError } from '../products/product.errors';
import { ProductsService } from '../products/products.service';
import type { PageRequest } from '../common/http/pagination.dto';
import { createdOrderAnswer } from './dto/order-response.dto';
import { Order } from './order.entity';
import { OrderNotFoundError } from './order.errors';
import { OrdersRepository } from './orders.repository';

@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly holds: HoldsRepository,
    private readonly products: ProductsService,
    private readonly orders: OrdersRepository,
    private readonly metrics: SaleMetrics,
    private readonly idempotency: IdempotencyService,
  ) {}

  /**
   * Turns an active hold into a pending order. The hold's row lock serialises this against
   * a second order for the same hold and against the expiry release; the clock is checked
   * under that lock, so a hold is either used or released, never both. With an
   * Idempotency-Key the answer is stored in the same transaction as the order. `ownerId`: a
   * verified buyer may order only their own hold (another's is not found); null, any hold.
   */
  async createFromHold(
    holdId: number,
    idempotency?: IdempotentRequest,
    ownerId: string | null = null,
  ): Promise<Order> {
    const created = idempotency
      ? this.idempotency.execute(
          idempotency,
          (manager) => this.createInTransaction(manager, holdId, ownerId),
          ({ order }) => ({ status: 201, body: createdOrderAnswer(order) }),
        )
      : this.unitOfWork.run((manager) => this.createInTransaction(manager, holdId, ownerId));
    const { order } = await created.catch((error: unknown) => {
      // UNIQUE(hold_id) is the last line of defence if the lock were ever bypassed.
      throw isUniqueViolation(error) ? new HoldAlreadyUsedError(holdId) : error;
    });
    this.metrics.orderCreated();
    this.logger.log({
      event: 'order.created',
      order_id: order.id,
      hold_id: holdId,
      product_id: order.productId,
      quantity: order.quantity,
      amount: order.amount,
    });
    // The hold's expiry job stays: when it runs, it finds the hold used and leaves it alone.
    return order;
  }

  private async createInTransaction(
    manager: EntityManager,
    holdId: number,
    ownerId: string | null,
  ): Promise<{ order: Order; hold: Hold }> {
    const locked = await this.holds.lockByIdWithClock(manager, holdId);
    if (!locked || !isVisibleTo(locked.row, ownerId)) throw new HoldNotFoundError(holdId);
    // Expired or not by the database's clock as of the lock, like the release it races.
    const { row: hold, now } = locked;
    assertCanBeOrdered(hold, now);
    if (!(await this.holds.markUsed(manager, holdId, now))) throw new HoldAlreadyUsedError(holdId);
    // A plain read: the price is not contended, and a locking read would queue behind hot holds.
    const product = await this.products.findWithin(manager, hold.productId);
    if (!product) throw new ProductNotFoundError(hold.productId);
    const order = await this.orders.insertPending(manager, {
      holdId,
      productId: hold.productId,
      customerId: hold.customerId,
      quantity: hold.quantity,
      amount: multiplyPrice(product.price, hold.quantity),
      createdAt: now,
    });
    return { order, hold };
  }

  /** `ownerId`: a verified buyer sees only their own orders (another's is not found); null, any. */
  async findOne(id: number, ownerId: string | null = null): Promise<Order> {
    const order = await this.unitOfWork.read((manager) => this.orders.findById(manager, id));
    if (!order || !isVisibleTo(order, ownerId)) throw new OrderNotFoundError(id);
    return order;
  }

  /** A page of orders, only `ownerId`'s when given. */
  findPage(request: PageRequest, ownerId: string | null = null): Promise<[Order[], number]> {
    return this.unitOfWork.read((manager) => this.orders.findPage(manager, request, ownerId));
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { UnitOfWork } from '../database/unit-of-work';
import { ProductNotFoundError } from './product.errors';
import type { Product } from './product.entity';
import { NewProduct, ProductDetails, ProductsRepository, StockLevel } from './products.repository';

export type { NewProduct, ProductDetails, StockLevel };

/**
 * Product reads, and the writes that are not stock movements (a new product, its details).
 * Stock moves through ProductStock only. Methods that take a manager run inside the caller's
 * unit of work; the others open their own read.
 */
@Injectable()
export class ProductsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly products: ProductsRepository,
  ) {}

  /**
   * The public reads: live products only (a draft or archived one is PRODUCT_NOT_FOUND). Through
   * the unit of work so that on SQLite they never see a unit's uncommitted writes.
   */
  async findOne(id: number): Promise<Product> {
    const product = await this.unitOfWork.read((manager) => this.products.findPublicById(manager, id));
    if (!product) throw new ProductNotFoundError(id);
    return product;
  }

  findPage(request: PageRequest): Promise<[Product[], number]> {
    return this.unitOfWork.read((manager) => this.products.findPublicPage(manager, request));
  }

  /** A plain (non-locking) read inside the caller's unit of work; null when there is no such product. */
  findWithin(manager: EntityManager, id: number): Promise<Product | null> {
    return this.products.findById(manager, id);
  }

  /** Stock of the first `limit` products by id (a plain, bounded read). */
  findStockLevels(limit: number): Promise<StockLevel[]> {
    return this.unitOfWork.read((manager) => this.products.findStockLevels(manager, limit));
  }

  /** A new product, all its units available, in the caller's unit of work. Returns its id. */
  create(manager: EntityManager, product: NewProduct): Promise<number> {
    return this.products.insert(manager, product);
  }

  /** Name, price, window, limit; the caller holds the product's lock (ProductStock.lock). */
  updateDetails(manager: EntityManager, id: number, details: ProductDetails, now: Date): Promise<void> {
    return this.products.updateDetails(manager, id, details, now);
  }
}

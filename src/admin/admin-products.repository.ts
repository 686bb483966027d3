import { Injectable } from '@nestjs/common';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { PageRequest } from '../common/http/pagination.dto';
import { Product } from '../products/product.entity';

/** A product with where its units are (see StockBreakdownDto). */
export interface AdminProductView {
  product: Product;
  held: number;
  orderedPending: number;
  sold: number;
}

/**
 * The admin reads. Each view comes from ONE statement (the product row and the sums over its
 * holds and orders as subqueries): InnoDB reads a statement from one snapshot, so the
 * breakdown adds up to the total even while holds and payments commit around it. The same
 * definitions as npm run audit:stock: held = not used and not released.
 */
@Injectable()
export class AdminProductsRepository {
  async findView(manager: EntityManager, id: number): Promise<AdminProductView | null> {
    const [view] = await this.views(this.query(manager).where('product.id = :id', { id }));
    return view ?? null;
  }

  async findPage(
    manager: EntityManager,
    { page, perPage }: PageRequest,
  ): Promise<[AdminProductView[], number]> {
    const query = this.query(manager)
      .orderBy('product.id', 'ASC')
      .offset((page - 1) * perPage)
      .limit(perPage);
    const [views, total] = await Promise.all([this.views(query), manager.getRepository(Product).count()]);
    return [views, total];
  }

  private query(manager: EntityManager): SelectQueryBuilder<Product> {
    return manager
      .getRepository(Product)
      .createQueryBuilder('product')
      .addSelect(
        '(SELECT COALESCE(SUM(h.quantity), 0) FROM holds h WHERE h.product_id = product.id AND h.used_at IS NULL AND h.released_at IS NULL)',
        'held',
      )
      .addSelect(
        "(SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = product.id AND o.status = 'pending')",
        'ordered_pending',
      )
      .addSelect(
        "(SELECT COALESCE(SUM(o.quantity), 0) FROM orders o WHERE o.product_id = product.id AND o.status = 'completed')",
        'sold',
      );
  }

  private async views(query: SelectQueryBuilder<Product>): Promise<AdminProductView[]> {
    const { entities, raw } = await query.getRawAndEntities<{
      product_id: number | string;
      held: number | string;
      ordered_pending: number | string;
      sold: number | string;
    }>();
    const byId = new Map(raw.map((row) => [Number(row.product_id), row]));
    return entities.map((product) => {
      const row = byId.get(product.id)!;
      return {
        product,
        held: Number(row.held),
        orderedPending: Number(row.ordered_pending),
        sold: Number(row.sold),
      };
    });
  }
}

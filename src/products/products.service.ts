import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../common/http/pagination.dto';
import { UnitOfWork } from '../database/unit-of-work';
import { ProductNotFoundError } from './product.errors';
import type { Product } from './product.entity';
import { ProductsRepository } from './products.repository';

@Injectable()
export class ProductsService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly products: ProductsRepository,
  ) {}

  /** Plain reads, through the unit of work so that on SQLite they never see a unit's uncommitted writes. */
  async findOne(id: number): Promise<Product> {
    const product = await this.unitOfWork.read((manager) => this.products.findById(manager, id));
    if (!product) throw new ProductNotFoundError(id);
    return product;
  }

  findPage(request: PageRequest): Promise<[Product[], number]> {
    return this.unitOfWork.read((manager) => this.products.findPage(manager, request));
  }
}

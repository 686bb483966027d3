import { Injectable } from '@nestjs/common';
import type { PageRequest } from '../common/http/pagination.dto';
import { ProductNotFoundError } from './product.errors';
import type { Product } from './product.entity';
import { ProductsRepository } from './products.repository';

@Injectable()
export class ProductsService {
  constructor(private readonly products: ProductsRepository) {}

  async findOne(id: number): Promise<Product> {
    const product = await this.products.findById(id);
    if (!product) throw new ProductNotFoundError(id);
    return product;
  }

  findPage(request: PageRequest): Promise<[Product[], number]> {
    return this.products.findPage(request);
  }
}

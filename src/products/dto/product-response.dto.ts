import type { Product } from '../product.entity';

export class ProductResponseDto {
  id: number;
  name: string;
  total_stock: number;
  available_stock: number;
  price: string;

  static from(product: Product): ProductResponseDto {
    return {
      id: product.id,
      name: product.name,
      total_stock: product.totalStock,
      available_stock: product.availableStock,
      price: product.price,
    };
  }
}

import type { ProductCache } from '../cache/product-cache';
import type { ProductChanges } from '../changes/product-changes';
import type { ProductsRepository } from '../products.repository';
import { ProductStock } from './product-stock';
import type { StockMovementsRepository } from './stock-movements.repository';

function setup() {
  const steps: string[] = [];
  // ProductCache.invalidate never throws: with the cache off or its store failing it resolves.
  const cache = { invalidate: jest.fn((id: number) => Promise.resolve(void steps.push(`invalidate ${id}`))) };
  const changes = { publish: jest.fn((id: number) => void steps.push(`publish ${id}`)) };
  const sut = new ProductStock(
    {} as ProductsRepository,
    {} as StockMovementsRepository,
    cache as unknown as ProductCache,
    changes as unknown as ProductChanges,
  );
  return { sut, steps };
}

describe(ProductStock.name, () => {
  describe('afterCommit', () => {
    it('should publish the change to the live streams and invalidate the cached answer, each once', async () => {
      const { sut, steps } = setup();

      await sut.afterCommit(3);

      expect(steps).toEqual(['publish 3', 'invalidate 3']);
    });
  });
});

import { SaleEndedError, SaleNotStartedError } from './product.errors';
import { hasSaleRules, saleWindowRefusal } from './sale.rules';

const startsAt = new Date('2026-12-01T09:00:00.000Z');
const endsAt = new Date('2026-12-01T10:00:00.000Z');
const product = { id: 1, saleStartsAt: startsAt, saleEndsAt: endsAt, maxPerCustomer: null };
const at = (iso: string) => new Date(iso);

describe('sale rules', () => {
  describe(saleWindowRefusal.name, () => {
    it('should refuse before the start with SALE_NOT_STARTED', () => {
      expect(saleWindowRefusal(product, at('2026-12-01T08:59:59.999Z'))).toBeInstanceOf(SaleNotStartedError);
    });

    it('should allow from the start instant to just before the end', () => {
      expect(saleWindowRefusal(product, startsAt)).toBeNull();
      expect(saleWindowRefusal(product, at('2026-12-01T09:59:59.999Z'))).toBeNull();
    });

    it('should refuse at the end instant and after with SALE_ENDED', () => {
      expect(saleWindowRefusal(product, endsAt)).toBeInstanceOf(SaleEndedError);
      expect(saleWindowRefusal(product, at('2027-01-01T00:00:00.000Z'))).toBeInstanceOf(SaleEndedError);
    });

    it('should treat a missing bound as open on that side', () => {
      expect(
        saleWindowRefusal({ ...product, saleStartsAt: null }, at('2000-01-01T00:00:00.000Z')),
      ).toBeNull();
      expect(saleWindowRefusal({ ...product, saleEndsAt: null }, at('2100-01-01T00:00:00.000Z'))).toBeNull();
    });
  });

  describe(hasSaleRules.name, () => {
    it('should be false only for a product without window and limit', () => {
      const none = { id: 1, saleStartsAt: null, saleEndsAt: null, maxPerCustomer: null };
      expect(hasSaleRules(none)).toBe(false);
      expect(hasSaleRules({ ...none, saleEndsAt: endsAt })).toBe(true);
      expect(hasSaleRules({ ...none, maxPerCustomer: 1 })).toBe(true);
    });
  });
});

import { fromCents, multiplyPrice, normalizeDecimal, toCents } from './money';

describe('money', () => {
  it('should convert decimal strings to cents exactly', () => {
    expect(toCents('99.99')).toBe(9999);
    expect(toCents('0.1')).toBe(10);
    expect(toCents('5')).toBe(500);
    expect(toCents('-0.50')).toBe(-50);
  });

  it('should format cents as a two-decimal string', () => {
    expect(fromCents(49995)).toBe('499.95');
    expect(fromCents(5)).toBe('0.05');
    expect(fromCents(-50)).toBe('-0.50');
  });

  it('should multiply without floating-point drift', () => {
    expect(multiplyPrice('0.10', 3)).toBe('0.30');
    expect(multiplyPrice('99.99', 5)).toBe('499.95');
    expect(multiplyPrice('19.99', 100)).toBe('1999.00');
  });

  it('should normalise what MySQL (string) and SQLite (number) return', () => {
    expect(normalizeDecimal('99.99')).toBe('99.99');
    expect(normalizeDecimal(99.99)).toBe('99.99');
    expect(normalizeDecimal(5)).toBe('5.00');
  });
});

import { chargeMatchesOrder, toMinorUnits } from './minor-units';

describe(toMinorUnits.name, () => {
  it.each([
    ['499.95', 'usd', 49995],
    ['0.00', 'usd', 0],
    ['99999999.99', 'eur', 9999999999],
    ['500.00', 'jpy', 500],
    ['500.00', 'JPY', 500],
    ['12.34', 'kwd', 12340],
  ])('should write %s %s as %i', (amount, currency, expected) => {
    expect(toMinorUnits(amount, currency)).toBe(expected);
  });

  it('should give null for cents a zero-decimal currency cannot carry', () => {
    expect(toMinorUnits('500.50', 'jpy')).toBeNull();
  });
});

describe(chargeMatchesOrder.name, () => {
  it('should match the exact amount in the shop currency', () => {
    expect(chargeMatchesOrder({ amount: 49995, currency: 'usd' }, '499.95', 'usd')).toBe(true);
    expect(chargeMatchesOrder({ amount: 49995, currency: 'usd' }, '499.95', 'USD')).toBe(true);
  });

  it.each([
    ['one cent less', { amount: 49994, currency: 'usd' }],
    ['one cent more', { amount: 49996, currency: 'usd' }],
    ['the amount in major units', { amount: 499, currency: 'usd' }],
    ['another currency', { amount: 49995, currency: 'eur' }],
  ])('should refuse %s', (_case, charged) => {
    expect(chargeMatchesOrder(charged, '499.95', 'usd')).toBe(false);
  });

  it('should refuse any amount for an order a zero-decimal currency cannot express', () => {
    expect(chargeMatchesOrder({ amount: 500, currency: 'jpy' }, '500.50', 'jpy')).toBe(false);
  });
});

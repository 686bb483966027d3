/**
 * Prices are DECIMAL(10,2) and travel as strings ("99.99"). Arithmetic happens in integer
 * cents so an order's amount is exact.
 */
export function toCents(amount: string | number): number {
  const [whole, fraction = ''] = String(amount).split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number((fraction + '00').slice(0, 2)));
}

export function fromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function multiplyPrice(price: string, quantity: number): string {
  return fromCents(toCents(price) * quantity);
}

/** Normalises what the driver returns for DECIMAL(10,2) (string on MySQL, number on SQLite). */
export function normalizeDecimal(value: string | number): string {
  return fromCents(toCents(typeof value === 'number' ? value.toFixed(2) : value));
}

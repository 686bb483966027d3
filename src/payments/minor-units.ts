import { toCents } from '../common/money';

/** Currencies whose smallest unit is the unit itself (Stripe's list of zero-decimal currencies). */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
/** Currencies with three decimals (Stripe's list). */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * An order's amount (a DECIMAL(10,2) string such as "499.95") in the smallest unit of
 * `currency`, the way Stripe writes amounts: 49995 in usd, 500 for "500.00" in jpy.
 * Null when the amount has cents a zero-decimal currency cannot carry.
 */
export function toMinorUnits(amount: string, currency: string): number | null {
  const cents = toCents(amount);
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return cents % 100 === 0 ? cents / 100 : null;
  if (THREE_DECIMAL.has(code)) return cents * 10;
  return cents;
}

export interface Charged {
  /** In the currency's smallest unit, as Stripe reports it. */
  amount: number;
  /** Lowercase ISO code. */
  currency: string;
}

/** Whether a payment covers the order exactly, in the shop's currency. */
export function chargeMatchesOrder(charged: Charged, orderAmount: string, shopCurrency: string): boolean {
  return (
    charged.currency === shopCurrency.toLowerCase() &&
    charged.amount === toMinorUnits(orderAmount, shopCurrency)
  );
}

import { ValueTransformer } from 'typeorm';
import { normalizeDecimal } from '../common/money';

/** DECIMAL comes back as a string from mysql2 and as a number from SQLite: always "99.99". */
export const decimalString: ValueTransformer = {
  to: (value: string | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : normalizeDecimal(value)),
};

/** Millisecond timestamps, stored in UTC (DATETIME(3) on MySQL/MariaDB). */
export const timestampColumn = { type: 'datetime', precision: 3 } as const;

import { isISO8601, ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

export const MAX_PRICE_CENTS = 9_999_999_999;
export const MAX_TOTAL_STOCK = 1_000_000_000;

const PRICE_STRING = /^\d{1,8}(\.\d{1,2})?$/;
/** ISO 8601 with a date, a time and an explicit offset: an instant, never a local time. */
const WITH_OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** "12.50", "0", 12.5 or 12: 0 to 99999999.99 with at most two decimals (DECIMAL(10,2)). */
export function isPrice(value: unknown): boolean {
  if (typeof value === 'string') return PRICE_STRING.test(value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return false;
  const cents = value * 100;
  return Math.abs(cents - Math.round(cents)) < 1e-6 && Math.round(cents) <= MAX_PRICE_CENTS;
}

export function IsPrice(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isPrice',
      validator: {
        validate: isPrice,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a decimal string or number from 0 to 99999999.99 with at most two decimals`,
      },
    },
    options,
  );
}

/** An instant the database can store: ISO 8601 with an offset, years 1970 to 9999. */
export function isSaleInstant(value: unknown): boolean {
  if (typeof value !== 'string' || !WITH_OFFSET.test(value)) return false;
  if (!isISO8601(value, { strict: true, strictSeparator: true })) return false;
  const year = new Date(value).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}

export function IsSaleInstant(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isSaleInstant',
      validator: {
        validate: isSaleInstant,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00`,
      },
    },
    options,
  );
}

/** Whether `end` is after `start` (both valid instants or absent; absent bounds are open). */
export function endsAfterStart(
  start: string | Date | null | undefined,
  end: string | Date | null | undefined,
): boolean {
  if (start === null || start === undefined || end === null || end === undefined) return true;
  return new Date(end).getTime() > new Date(start).getTime();
}

/** The field (an end) must be after the sibling field `startField` when both are set. */
export function IsAfterField(startField: string, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isAfterField',
      constraints: [startField],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const start = (args?.object as Record<string, unknown>)[startField];
          if (!isSaleInstant(start) || !isSaleInstant(value)) return true;
          return endsAfterStart(start as string, value as string);
        },
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be after ${startField}`,
      },
    },
    options,
  );
}

/** A field this body must not carry, with a message that says what to do instead. */
export function IsAbsent(message: string) {
  return ValidateBy({
    name: 'isAbsent',
    validator: { validate: (value: unknown) => value === undefined, defaultMessage: () => message },
  });
}

/** The waiting room's bounds (issue 24). */
export const QUEUE_RATE = { min: 1, max: 1_000_000 } as const;
export const QUEUE_ADMISSION_SECONDS = { min: 30, max: 3600 } as const;

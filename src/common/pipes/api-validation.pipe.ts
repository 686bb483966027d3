import { ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { emptyFieldErrors, FieldErrors, ValidationFailedError } from '../errors/domain.error';

export interface ApiValidationOptions {
  /**
   * refuse (the default, for every body): a field the DTO does not declare is a 422 naming it,
   * so a typo (`max_per_costumer`) is never silently dropped. strip: dropped without a word,
   * for a sender that adds fields without notice (the payment webhook: Stripe).
   */
  unknownBodyFields?: 'refuse' | 'strip';
}

/** The message for a field nobody declared, shared with the JSON-schema bodies (body-schema.ts). */
export const unknownFieldMessage = (path: string) => `${path} is not a known field; check its spelling`;

/**
 * Global validation: strict types (no "5" -> 5 coercion for bodies), unknown body fields
 * refused (query strings: stripped, they carry cache busters and tracking parameters), and
 * every failure reported as 422 VALIDATION_FAILED with per-field messages.
 */
export class ApiValidationPipe implements PipeTransform {
  private readonly bodies: ValidationPipe;
  private readonly others: ValidationPipe;
  private readonly refuseUnknown: boolean;

  constructor({ unknownBodyFields = 'refuse' }: ApiValidationOptions = {}) {
    this.refuseUnknown = unknownBodyFields === 'refuse';
    this.bodies = new ValidationPipe(validationOptions(unknownBodyFields === 'refuse'));
    this.others = new ValidationPipe(validationOptions(false));
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Path params are parsed by their own pipes (ParseIdPipe); coercing them here first
    // would turn "abc" into NaN and "1e3" into 1000.
    if (metadata.type === 'param') return value;
    if (metadata.type !== 'body') return this.others.transform(value, metadata);
    // A body that is JSON but not an object (null, [], "x", 5) would otherwise slip past
    // class-validator's per-property checks with a confusing message.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationFailedError({ body: ['request body must be a JSON object'] });
    }
    if (this.refuseUnknown) refuseSkippedKeys(value);
    return this.bodies.transform(value, metadata);
  }
}

/**
 * class-transformer skips these keys, so whitelisting never sees them: no DTO declares them,
 * and a body that sends one is refused like any other unknown field. (Fastify's JSON parser
 * already refuses `__proto__` and `constructor.prototype`; a plain `constructor` gets here.)
 */
const SKIPPED_BY_TRANSFORMER = ['constructor', '__proto__'];

function refuseSkippedKeys(body: object): void {
  const skipped = SKIPPED_BY_TRANSFORMER.filter((key) => Object.hasOwn(body, key));
  if (skipped.length === 0) return;
  const errors = emptyFieldErrors();
  for (const key of skipped) errors[key] = [unknownFieldMessage(key)];
  throw new ValidationFailedError(errors);
}

function validationOptions(refuseUnknown: boolean) {
  return {
    whitelist: true,
    forbidNonWhitelisted: refuseUnknown,
    transform: true,
    forbidUnknownValues: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) =>
      new ValidationFailedError(flattenValidationErrors(errors)),
  };
}

export function flattenValidationErrors(errors: ValidationError[], parentPath = ''): FieldErrors {
  const result = emptyFieldErrors();
  for (const error of errors) {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    if (error.constraints) {
      result[path || 'body'] = Object.entries(error.constraints).map(([constraint, message]) =>
        // class-validator's own wording ("property x should not exist") reads like a bug report.
        constraint === 'whitelistValidation' ? unknownFieldMessage(path) : message,
      );
    }
    if (error.children?.length) {
      Object.assign(result, flattenValidationErrors(error.children, path));
    }
  }
  return result;
}

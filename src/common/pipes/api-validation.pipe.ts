import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldErrors, ValidationFailedError } from '../errors/domain.error';

/**
 * Global validation: strict types (no "5" -> 5 coercion for bodies), unknown fields
 * stripped, and every failure reported as 422 VALIDATION_FAILED with per-field messages.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      transform: true,
      forbidUnknownValues: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Path params are parsed by their own pipes (ParseIdPipe); coercing them here first
    // would turn "abc" into NaN and "1e3" into 1000.
    if (metadata.type === 'param') return value;
    // A body that is JSON but not an object (null, [], "x", 5) would otherwise slip past
    // class-validator's per-property checks with a confusing message.
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ValidationFailedError({ body: ['request body must be a JSON object'] });
    }
    return super.transform(value, metadata);
  }
}

export function flattenValidationErrors(errors: ValidationError[], parentPath = ''): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    if (error.constraints) {
      result[path || 'body'] = Object.values(error.constraints);
    }
    if (error.children?.length) {
      Object.assign(result, flattenValidationErrors(error.children, path));
    }
  }
  return result;
}

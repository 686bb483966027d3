import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { emptyFieldErrors, ValidationFailedError } from '../errors/domain.error';
import { unknownFieldMessage } from '../pipes/api-validation.pipe';

/**
 * For a POST that takes no body (an order's restore): none or `{}` is fine, and any field is
 * refused like every unknown field, so a client that believes it sent an option learns it did
 * not. A decorator, not `@Body()`: the global pipe refuses an absent body, which is the normal
 * way to call such a route.
 */
export const NoBody = createParamDecorator((_data: unknown, context: ExecutionContext): void => {
  const body = context.switchToHttp().getRequest<FastifyRequest>().body;
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailedError({ body: ['this route takes no request body'] });
  }
  const fields = Object.keys(body);
  if (fields.length === 0) return;
  const errors = emptyFieldErrors();
  for (const field of fields) errors[field] = [unknownFieldMessage(field)];
  throw new ValidationFailedError(errors);
});

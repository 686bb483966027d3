import { applyDecorators } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBody } from '@nestjs/swagger';
import type { ExampleObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { FastifyServerOptions } from 'fastify';
import { emptyFieldErrors, FieldErrors, ValidationFailedError } from '../errors/domain.error';
import { unknownFieldMessage } from '../pipes/api-validation.pipe';

/**
 * A route's body validated by Fastify before Nest runs at all, from one JSON schema that is
 * also the route's OpenAPI request body: ajv compiles it once, where class-transformer +
 * class-validator measured as a large share of a hot route's CPU. Failures become the same
 * 422 VALIDATION_FAILED envelope with per-field messages (see schemaErrorFormatter), and the
 * global ApiValidationPipe leaves the body alone (its parameter type is an interface).
 *
 * The schema's rules match the class-validator DTOs' elsewhere: strict types (no "5" -> 5,
 * see BODY_SCHEMA_AJV), unknown fields refused with a 422 naming them (the type requires
 * additionalProperties: false, so a body added later cannot forget it), a body that is not a
 * JSON object refused as a whole.
 */
export function ValidatedBody(
  schema: SchemaObject & { type: 'object'; additionalProperties: false },
  examples?: Record<string, ExampleObject>,
) {
  return applyDecorators(RouteSchema({ body: schema }), ApiBody({ schema, examples }));
}

/**
 * Fastify's ajv as the DTO rules expect: no type coercion, every failing field reported, and
 * unknown fields reported too (removeAdditional off: Fastify's default would drop them).
 */
export const BODY_SCHEMA_AJV: FastifyServerOptions['ajv'] = {
  customOptions: { coerceTypes: false, allErrors: true, removeAdditional: false },
};

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Fastify's schemaErrorFormatter: ajv's errors as our ValidationFailedError, which the filter answers. */
export function schemaErrorFormatter(errors: AjvError[]): Error {
  return new ValidationFailedError(fieldErrorsOf(errors));
}

export function fieldErrorsOf(errors: readonly AjvError[]): FieldErrors {
  const result = emptyFieldErrors();
  const add = (field: string, message: string) => (result[field] ??= []).push(message);
  const child = (path: string, name: unknown) => (path ? `${path}.${String(name)}` : String(name));
  for (const error of errors) {
    const path = error.instancePath.split('/').slice(1).join('.');
    if (error.keyword === 'required') {
      const field = child(path, error.params.missingProperty);
      add(field, `${field} is required`);
    } else if (error.keyword === 'additionalProperties') {
      const field = child(path, error.params.additionalProperty);
      add(field, unknownFieldMessage(field));
    } else if (!path) {
      add('body', 'request body must be a JSON object');
    } else {
      add(path, `${path} ${error.message ?? 'is invalid'}`);
    }
  }
  return result;
}

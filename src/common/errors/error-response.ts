import { HttpException, HttpStatus } from '@nestjs/common';
import { isConnectionError, isTransientLockError } from '../../database/db-errors';
import {
  DatabaseUnavailableError,
  DomainError,
  ErrorKind,
  FieldErrors,
  WriteConflictError,
} from './domain.error';

export interface ErrorBody {
  status: 'error';
  code: string;
  message: string;
  errors?: FieldErrors;
}

export interface ErrorResponse {
  httpStatus: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** Unexpected failures are logged with their stack; refusals are not. */
  unexpected: boolean;
}

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  malformed: HttpStatus.BAD_REQUEST,
  invalid: HttpStatus.UNPROCESSABLE_ENTITY,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Codes for failures raised by the HTTP stack itself (routing, body parsing, limits). Maps,
 * like every table looked up with a value that came with a request.
 */
const CODE_BY_STATUS: ReadonlyMap<number, string> = new Map([
  [400, 'BAD_REQUEST'],
  [401, 'UNAUTHORIZED'],
  [403, 'FORBIDDEN'],
  [404, 'ROUTE_NOT_FOUND'],
  [405, 'METHOD_NOT_ALLOWED'],
  [406, 'NOT_ACCEPTABLE'],
  [408, 'REQUEST_TIMEOUT'],
  [409, 'CONFLICT'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [414, 'URI_TOO_LONG'],
  [415, 'UNSUPPORTED_MEDIA_TYPE'],
  [422, 'VALIDATION_FAILED'],
  [429, 'TOO_MANY_REQUESTS'],
  [431, 'HEADERS_TOO_LARGE'],
  [503, 'SERVICE_UNAVAILABLE'],
]);

/**
 * Fixed messages for failures of the HTTP stack (Nest hands Fastify's body-parsing errors
 * to the filter as HttpExceptions carrying only a status and Fastify's wording).
 */
const STACK_MESSAGES: ReadonlyMap<number, string> = new Map([
  [413, 'The request body is larger than 1 MB'],
  [415, "Send the request body as 'application/json'"],
  // The rate limiter's own answer; Retry-After (set by it) says how many seconds to wait.
  [429, 'Too many requests; retry after the number of seconds in Retry-After'],
]);

const RETRY_AFTER_SECONDS = '2';

/**
 * Turns anything thrown while serving a request into the API's error envelope. Pure, so
 * every mapping is unit tested; never exposes stacks, SQL or driver messages.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof DomainError) {
    const httpStatus = STATUS_BY_KIND[error.kind];
    return {
      httpStatus,
      body: compact({ status: 'error', code: error.code, message: error.message, errors: error.fieldErrors }),
      headers: { ...(httpStatus === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {}), ...error.headers },
      unexpected: false,
    };
  }

  if (isConnectionError(error)) {
    return toErrorResponse(new DatabaseUnavailableError());
  }

  // UnitOfWork retried and lost every time: nothing was written, so a retry is safe.
  if (isTransientLockError(error)) {
    return toErrorResponse(new WriteConflictError());
  }

  if (error instanceof HttpException && error.getStatus() < 500) {
    const httpStatus = error.getStatus();
    const message = clientMessage(error);
    if (httpStatus === 400 && /JSON/i.test(message)) {
      return plain(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
    }
    return plain(
      httpStatus,
      CODE_BY_STATUS.get(httpStatus) ?? 'BAD_REQUEST',
      STACK_MESSAGES.get(httpStatus) ?? message,
    );
  }

  return { ...plain(500, 'INTERNAL_ERROR', 'Something went wrong on our side'), unexpected: true };
}

function plain(httpStatus: number, code: string, message: string): ErrorResponse {
  return { httpStatus, body: { status: 'error', code, message }, headers: {}, unexpected: false };
}

function clientMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return error.message;
}

function compact(body: ErrorBody): ErrorBody {
  if (body.errors === undefined) delete body.errors;
  return body;
}

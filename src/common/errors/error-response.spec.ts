import {
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import { AdminDisabledError, AdminUnauthorizedError } from '../../admin/admin.errors';
import { InsufficientStockError } from '../../products/product.errors';
import { InvalidIdError, ValidationFailedError } from './domain.error';
import { toErrorResponse } from './error-response';

describe(toErrorResponse.name, () => {
  it('should map a conflict to 409 with its code', () => {
    const response = toErrorResponse(new InsufficientStockError(5, 2));
    expect(response.httpStatus).toBe(409);
    expect(response.body).toEqual({
      status: 'error',
      code: 'INSUFFICIENT_STOCK',
      message: 'Insufficient stock: requested 5, only 2 available',
    });
  });

  it('should map validation failures to 422 with per-field errors', () => {
    const response = toErrorResponse(new ValidationFailedError({ quantity: ['must be an integer'] }));
    expect(response.httpStatus).toBe(422);
    expect(response.body.errors).toEqual({ quantity: ['must be an integer'] });
  });

  it('should map a refused admin token to 401 with WWW-Authenticate, and a disabled admin API to 403', () => {
    const unauthorized = toErrorResponse(new AdminUnauthorizedError());
    expect(unauthorized).toMatchObject({
      httpStatus: 401,
      headers: { 'www-authenticate': 'Bearer realm="admin"' },
    });
    expect(unauthorized.body.code).toBe('UNAUTHORIZED');
    expect(toErrorResponse(new AdminDisabledError())).toMatchObject({
      httpStatus: 403,
      headers: {},
      body: { code: 'ADMIN_DISABLED' },
    });
  });

  it('should map a malformed id to 400', () => {
    expect(toErrorResponse(new InvalidIdError('abc')).httpStatus).toBe(400);
  });

  it('should map an unreachable database to 503 with Retry-After', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const response = toErrorResponse(error);
    expect(response.httpStatus).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.body.message).not.toContain('3306');
  });

  it('should map a Galera node that is not ready (joining, or cut off from the cluster) to 503 with Retry-After', () => {
    // Found by `npm run chaos -- --cluster`: while a killed node rejoined, its API answered 500.
    const driverError = Object.assign(new Error('WSREP has not yet prepared node for application use'), {
      code: 'ER_UNKNOWN_COM_ERROR',
      errno: 1047,
      sqlState: '08S01',
    });
    const response = toErrorResponse(
      new QueryFailedError('SELECT 1', [], driverError as Error & { code: string }),
    );
    expect(response).toMatchObject({
      httpStatus: 503,
      body: { code: 'SERVICE_UNAVAILABLE' },
      unexpected: false,
    });
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.body.message).not.toMatch(/WSREP/);
  });

  it('should map a transaction that lost every retry to conflicting writes to 503 SERVICE_BUSY, without the driver message', () => {
    const driverError = Object.assign(
      new Error('Deadlock found when trying to get lock; try restarting transaction'),
      {
        code: 'ER_LOCK_DEADLOCK',
        errno: 1213,
      },
    );
    const response = toErrorResponse(Object.assign(new Error('Query failed'), { driverError }));
    expect(response).toMatchObject({ httpStatus: 503, body: { code: 'SERVICE_BUSY' }, unexpected: false });
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.body.message).not.toMatch(/Deadlock/);
  });

  it('should map Fastify body-parser failures with fixed messages', () => {
    expect(
      toErrorResponse(
        new BadRequestException("Body is not valid JSON but content-type is set to 'application/json'"),
      ).body.code,
    ).toBe('MALFORMED_JSON');
    expect(toErrorResponse(new PayloadTooLargeException('Request body is too large')).body).toEqual({
      status: 'error',
      code: 'PAYLOAD_TOO_LARGE',
      message: 'The request body is larger than 1 MB',
    });
    expect(toErrorResponse(new HttpException('x', 415)).body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body.code).toBe('ROUTE_NOT_FOUND');
    expect(toErrorResponse(new ThrottlerException()).body).toEqual({
      status: 'error',
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many requests; retry after the number of seconds in Retry-After',
    });
  });

  it('should hide the details of unexpected errors behind a 500', () => {
    const response = toErrorResponse(new QueryFailedError('SELECT secret FROM t', [], new Error('boom')));
    expect(response.httpStatus).toBe(500);
    expect(response.unexpected).toBe(true);
    expect(JSON.stringify(response.body)).not.toMatch(/secret|boom|SELECT/);
  });
});

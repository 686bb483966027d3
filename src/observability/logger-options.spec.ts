import type { IncomingMessage } from 'node:http';
import {
  accessLogLevel,
  isQuietPath,
  pinoOptions,
  redactedUrl,
  requestIdFor,
  shouldPrettyPrint,
} from './logger-options';

const request = (headers: Record<string, string | string[]> = {}, url = '/api/holds') =>
  ({ headers, method: 'POST', url, originalUrl: url }) as unknown as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(requestIdFor.name, () => {
  it('should honour an acceptable X-Request-Id', () => {
    expect(requestIdFor(request({ 'x-request-id': 'lb-7f3a.92:1_x' }))).toBe('lb-7f3a.92:1_x');
  });

  it.each([
    ['missing', {}],
    ['empty', { 'x-request-id': '' }],
    ['too long', { 'x-request-id': 'a'.repeat(129) }],
    ['with spaces or quotes', { 'x-request-id': 'a "b"' }],
    ['with a newline', { 'x-request-id': 'a\nb' }],
    ['repeated', { 'x-request-id': ['a', 'b'] }],
  ])('should generate a UUID when the header is %s', (_case, headers) => {
    expect(requestIdFor(request(headers))).toMatch(UUID);
  });
});

describe(shouldPrettyPrint.name, () => {
  it('should pretty-print only in development on a terminal', () => {
    expect(shouldPrettyPrint('development', true)).toBe(true);
    expect(shouldPrettyPrint('development', false)).toBe(false);
    expect(shouldPrettyPrint('development', undefined)).toBe(false);
    expect(shouldPrettyPrint('production', true)).toBe(false);
    expect(shouldPrettyPrint('test', true)).toBe(false);
  });
});

describe(accessLogLevel.name, () => {
  it('should log refusals (4xx) at info and only our failures at error', () => {
    expect(accessLogLevel(201)).toBe('info');
    expect(accessLogLevel(409)).toBe('info');
    expect(accessLogLevel(422)).toBe('info');
    expect(accessLogLevel(503)).toBe('error');
  });
});

describe(isQuietPath.name, () => {
  it('should not write access lines for health probes and metric scrapes', () => {
    expect(isQuietPath('/health')).toBe(true);
    expect(isQuietPath('/metrics?x=1')).toBe(true);
    expect(isQuietPath('/api/products/1')).toBe(false);
  });
});

describe(pinoOptions.name, () => {
  it('should use pino-pretty only when asked', () => {
    expect(pinoOptions({ level: 'info', pretty: false }).transport).toBeUndefined();
    expect(pinoOptions({ level: 'debug', pretty: true }).transport).toMatchObject({ target: 'pino-pretty' });
  });
});

describe(redactedUrl.name, () => {
  it('should hide customer_id query values, however they are spelled, and keep the rest', () => {
    expect(redactedUrl('/api/admin/orders?status=pending&customer_id=jane%40example.com&page=2')).toBe(
      '/api/admin/orders?status=pending&customer_id=[redacted]&page=2',
    );
    expect(redactedUrl('/api/admin/orders?CUSTOMER_ID=auth0|64f&customer%5Fid=x')).toBe(
      '/api/admin/orders?CUSTOMER_ID=[redacted]&customer%5Fid=[redacted]',
    );
    expect(redactedUrl('/api/holds?page=1&per_page=50')).toBe('/api/holds?page=1&per_page=50');
    expect(redactedUrl('/api/products?my_customer_id=1')).toBe('/api/products?my_customer_id=1');
  });

  it("should hide a waiting room ticket id in its path, not the queue's public routes", () => {
    expect(redactedUrl('/api/products/7/queue/tkt_9f8e7d')).toBe('/api/products/7/queue/[redacted]');
    expect(redactedUrl('/api/products/7/queue/tkt_9f8e7d/stream?x=1')).toBe(
      '/api/products/7/queue/[redacted]/stream?x=1',
    );
    expect(redactedUrl('/api/products/7/queue/draw')).toBe('/api/products/7/queue/draw');
    expect(redactedUrl('/api/products/7/queue/challenge?x=1')).toBe('/api/products/7/queue/challenge?x=1');
    expect(redactedUrl('/api/products/7/queue')).toBe('/api/products/7/queue');
    expect(redactedUrl('/api/products/7/queue/drawn')).toBe('/api/products/7/queue/[redacted]');
  });
});

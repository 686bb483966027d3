import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttpOptions, requestIdFor, shouldPrettyPrint } from './logger-options';

const request = (headers: Record<string, string | string[]> = {}, url = '/api/holds') =>
  ({ headers, method: 'POST', url, originalUrl: url }) as unknown as IncomingMessage;
const response = (statusCode: number) => ({ statusCode }) as ServerResponse;
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

describe(pinoHttpOptions.name, () => {
  const sut = pinoHttpOptions({ level: 'info', pretty: false });

  it('should log refusals (4xx) at info and only our failures at error', () => {
    const levelFor = (status: number, error?: Error) => sut.customLogLevel!(request(), response(status), error);
    expect(levelFor(201)).toBe('info');
    expect(levelFor(409)).toBe('info');
    expect(levelFor(422)).toBe('info');
    expect(levelFor(503)).toBe('error');
    expect(levelFor(200, new Error('boom'))).toBe('error');
  });

  it('should log the method, path and status of a request, never its headers or body', () => {
    const serializers = sut.serializers as Record<string, (value: unknown) => unknown>;
    const req = request({ authorization: 'secret', 'stripe-signature': 't=1,v1=ab' });
    expect(serializers.req(req)).toEqual({ method: 'POST', url: '/api/holds' });
    expect(serializers.res(response(201))).toEqual({ status_code: 201 });
  });

  it('should not write access lines for health probes and metric scrapes', () => {
    const ignore = (sut.autoLogging as { ignore: (req: IncomingMessage) => boolean }).ignore;
    expect(ignore(request({}, '/health'))).toBe(true);
    expect(ignore(request({}, '/metrics?x=1'))).toBe(true);
    expect(ignore(request({}, '/api/products/1'))).toBe(false);
  });

  it('should use pino-pretty only when asked', () => {
    expect(sut.transport).toBeUndefined();
    expect(pinoHttpOptions({ level: 'debug', pretty: true }).transport).toMatchObject({ target: 'pino-pretty' });
  });
});

import type { HealthCheckResult } from '@nestjs/terminus';
import { healthStatus, httpStatusFor } from './health-status';

const result = (
  status: HealthCheckResult['status'],
  error: HealthCheckResult['error'] = {},
): HealthCheckResult => ({
  status,
  error,
  info: {},
  details: {},
});

describe(healthStatus.name, () => {
  it('should be ok, answered 200, when every check is up', () => {
    expect(healthStatus(result('ok'))).toBe('ok');
    expect(httpStatusFor('ok')).toBe(200);
  });

  it('should be degraded, still answered 200, when only Redis is down', () => {
    const status = healthStatus(result('error', { redis: { status: 'down' } }));
    expect(status).toBe('degraded');
    expect(httpStatusFor(status)).toBe(200);
  });

  it('should be an error, answered 503, when the database is down, with or without Redis', () => {
    for (const error of [
      { database: { status: 'down' as const } },
      { database: { status: 'down' as const }, redis: { status: 'down' as const } },
    ]) {
      const status = healthStatus(result('error', error));
      expect(status).toBe('error');
      expect(httpStatusFor(status)).toBe(503);
    }
  });

  it('should answer 503 while shutting down', () => {
    expect(httpStatusFor(healthStatus(result('shutting_down')))).toBe(503);
  });
});

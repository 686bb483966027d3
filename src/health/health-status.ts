import type { HealthCheckResult } from '@nestjs/terminus';

export type HealthStatus = 'ok' | 'degraded' | 'error' | 'shutting_down';

/** Checks whose failure only degrades the service: without Redis, reads come from the database and the sweeper releases holds. */
const OPTIONAL_CHECKS = new Set(['redis']);

/**
 * ok: everything answers. degraded: only optional dependencies are down (still 200, so a
 * load balancer keeps the instance). error: the database is down (503: this instance cannot
 * sell anything). shutting_down: draining (503).
 */
export function healthStatus(result: HealthCheckResult): HealthStatus {
  if (result.status === 'ok' || result.status === 'shutting_down') return result.status;
  const failed = Object.keys(result.error ?? {});
  return failed.length > 0 && failed.every((key) => OPTIONAL_CHECKS.has(key)) ? 'degraded' : 'error';
}

export function httpStatusFor(status: HealthStatus): number {
  return status === 'ok' || status === 'degraded' ? 200 : 503;
}

import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Helmet's headers on every answer (nosniff, frame-ancestors, HSTS, no Referer leaks, ...).
 * The CSP is helmet's default, which Swagger UI at /api/docs works under (its scripts are
 * files of ours, its inline <style> is allowed by style-src 'unsafe-inline'), except
 * upgrade-insecure-requests: on a plain-HTTP deployment (or localhost) it would send the
 * docs' own assets to an https:// URL that does not exist.
 */
export function registerSecurityHeaders(app: NestFastifyApplication): void {
  // Fastify queues the plugin and loads it before the routes are registered.
  void app
    .getHttpAdapter()
    .getInstance()
    .register(helmet, {
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    });
}

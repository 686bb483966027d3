import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';

const checks: SchemaObject = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    // not_configured: Redis in embedded mode (REDIS_HOST empty), which is not a fault.
    properties: { status: { type: 'string', enum: ['up', 'down', 'not_configured'] } },
    additionalProperties: true,
  },
};

const report: SchemaObject = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'error', 'shutting_down'] },
    info: checks,
    error: checks,
    details: checks,
  },
};

const up = { database: { status: 'up' }, redis: { status: 'up', store: 'redis' } };
const embedded = {
  database: { status: 'up' },
  redis: {
    status: 'not_configured',
    message:
      'REDIS_HOST is not set: product reads are cached in this process and the sweeper releases expired holds',
  },
};
const redisDown = {
  database: { status: 'up' },
  redis: {
    status: 'down',
    store: 'redis',
    message: 'Redis does not answer: product reads are served from the database',
  },
};

/** OpenAPI for GET /health. */
export function ApiHealth() {
  return applyDecorators(
    ApiOperation({
      summary: 'Health of the instance and its dependencies',
      description:
        'For probes and load balancers; outside the /api prefix. Redis down is "degraded" but still 200: reads come from the database and the sweeper releases holds. Without REDIS_HOST (embedded mode) Redis is "not_configured" and the status ok. The database down is 503.',
    }),
    ApiResponse({
      status: 200,
      description: 'Serving: "ok", or "degraded" when only Redis is down',
      content: {
        'application/json': {
          schema: report,
          examples: {
            ok: { summary: 'ok', value: { status: 'ok', info: up, error: {}, details: up } },
            embedded: {
              summary: 'ok, embedded mode (no Redis configured)',
              value: { status: 'ok', info: embedded, error: {}, details: embedded },
            },
            degraded: {
              summary: 'degraded (Redis down)',
              value: {
                status: 'degraded',
                info: { database: up.database },
                error: { redis: redisDown.redis },
                details: redisDown,
              },
            },
          },
        },
      },
    }),
    ApiResponse({
      status: 503,
      description: 'Not serving: the database does not answer (or the instance is shutting down)',
      content: {
        'application/json': {
          schema: report,
          example: {
            status: 'error',
            info: { redis: up.redis },
            error: { database: { status: 'down' } },
            details: { database: { status: 'down' }, redis: up.redis },
          },
        },
      },
    }),
  );
}

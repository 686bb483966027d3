import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ApiHealth } from './health.docs';
import { healthStatus, HealthStatus, httpStatusFor } from './health-status';
import { RedisHealthIndicator, withRedisNotConfigured } from './redis.health';

/** Bounded so a hung database makes /health answer 503 instead of hanging the probe. */
const DATABASE_PING_TIMEOUT_MS = 1_000;

export type HealthReport = Omit<HealthCheckResult, 'status'> & { status: HealthStatus };

// On the class: a controller without a class-level tag gets one from its name too ("Health").
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @ApiHealth()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const result = await this.health
      .check([
        () => this.database.pingCheck('database', { timeout: DATABASE_PING_TIMEOUT_MS }),
        ...(this.redis.configured ? [() => this.redis.check('redis')] : []),
      ])
      // Terminus throws its report when a check is down; whether that is fatal is ours to say.
      .catch((error: unknown) => {
        if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
        throw error;
      });
    const status = healthStatus(result);
    void reply.status(httpStatusFor(status));
    return { ...(this.redis.configured ? result : withRedisNotConfigured(result)), status };
  }
}

import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/http/api-responses';
import { METRICS_BEARER, MetricsAuthGuard } from './metrics-auth.guard';

/**
 * GET /metrics in Prometheus' text format (the path is set by PrometheusModule.register);
 * behind METRICS_TOKEN when it is set.
 */
@ApiTags('operations')
@Controller()
@UseGuards(MetricsAuthGuard)
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Outside the /api prefix. Business counters (flash_sale_*), request durations per route template (http_request_duration_seconds), stock per product and Node.js process metrics. With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open.',
  })
  @ApiBearerAuth(METRICS_BEARER)
  @ApiErrors({ 401: ['UNAUTHORIZED'] })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example: '# TYPE flash_sale_holds_created_total counter\nflash_sale_holds_created_total 42\n',
      },
    },
  })
  override index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return super.index(response);
  }
}

import { Module, OnModuleInit } from '@nestjs/common';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { DatabaseModule } from '../database/database.module';
import { ProductsModule } from '../products/products.module';
import { HTTP_DURATION, HTTP_DURATION_BUCKETS, HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { StockGauges } from './stock-gauges';

/**
 * GET /metrics (outside the /api prefix). The business counters come from SaleMetricsModule,
 * imported by the services' modules; all metrics live in prom-client's default registry.
 */
@Module({
  imports: [
    PrometheusModule.register({
      controller: MetricsController,
      path: '/metrics',
      // Registered below instead: prom-client refuses to register them twice, and tests start
      // several apps in one process.
      defaultMetrics: { enabled: false },
    }),
    DatabaseModule,
    ProductsModule,
  ],
  providers: [
    makeHistogramProvider({
      name: HTTP_DURATION,
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
    }),
    HttpMetrics,
    StockGauges,
  ],
})
export class MetricsModule implements OnModuleInit {
  onModuleInit(): void {
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
  }
}

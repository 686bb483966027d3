import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProductsModule } from '../products/products.module';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

/** GET /health (outside the /api prefix): database and Redis status for probes and load balancers. */
@Module({
  // No Terminus logging: a degraded Redis would log an error on every probe.
  imports: [TerminusModule.forRoot({ logger: false }), ProductsModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator],
})
export class HealthModule {}

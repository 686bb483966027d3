import type { AdminConfig } from './admin.config';
import type { AppConfig } from './app.config';
import type { BuyerAuthConfig } from './buyer-auth.config';
import type { CacheConfig } from './cache.config';
import type { CorsConfig } from './cors.config';
import type { DatabaseConfig } from './database.config';
import type { MetricsConfig } from './metrics.config';
import type { PaymentsConfig } from './payments.config';
import type { QueueConfig } from './queue.config';
import type { RedisConfig } from './redis.config';
import type { StreamConfig } from './stream.config';

/** Shape of ConfigService, so `config.getOrThrow('app.port', { infer: true })` is typed. */
export interface AllConfig {
  app: AppConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  payments: PaymentsConfig;
  cache: CacheConfig;
  admin: AdminConfig;
  stream: StreamConfig;
  metrics: MetricsConfig;
  buyerAuth: BuyerAuthConfig;
  queue: QueueConfig;
  cors: CorsConfig;
}

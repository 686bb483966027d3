import { bearerTokensOf } from './env.rules';
import type { Env } from './env.schema';

/** The 'metrics' section of the configuration, from the validated environment (see loadConfig). */
export function metricsConfig(env: Env) {
  return {
    /** Empty: GET /metrics is open (a Prometheus on a private network). */
    tokens: bearerTokensOf(env.METRICS_TOKEN),
  };
}

export type MetricsConfig = ReturnType<typeof metricsConfig>;

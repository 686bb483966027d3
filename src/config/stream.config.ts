import type { Env } from './env.schema';

/** The 'stream' section of the configuration (live stock streams), from the validated environment. */
export function streamConfig(env: Env) {
  return {
    minIntervalMs: env.STREAM_MIN_INTERVAL_MS,
    maxConnections: env.STREAM_MAX_CONNECTIONS,
    maxPerClient: env.STREAM_MAX_PER_CLIENT,
    retryMs: { min: env.STREAM_RETRY_MIN_MS, max: env.STREAM_RETRY_MAX_MS },
  };
}

export type StreamConfig = ReturnType<typeof streamConfig>;

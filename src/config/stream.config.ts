import type { Env } from './env.validation';

/** The 'stream' section of the configuration (live stock streams), from the validated environment. */
export function streamConfig(env: Env) {
  return {
    minIntervalMs: env.STREAM_MIN_INTERVAL_MS,
    maxConnections: env.STREAM_MAX_CONNECTIONS,
  };
}

export type StreamConfig = ReturnType<typeof streamConfig>;

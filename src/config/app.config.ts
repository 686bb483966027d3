import type { Env } from './env.schema';

/** The 'app' section of the configuration, from the validated environment (see loadConfig). */
export function appConfig(env: Env) {
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    holdTtlSeconds: env.HOLD_TTL_SECONDS,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
    holdSweepIntervalSeconds: env.HOLD_SWEEP_INTERVAL_SECONDS,
    orderPaymentTimeoutSeconds: env.ORDER_PAYMENT_TIMEOUT_SECONDS,
    workerEnabled: env.WORKER_ENABLED,
    maxHoldQuantity: env.MAX_HOLD_QUANTITY,
    holdBatchMaxSize: env.HOLD_BATCH_MAX_SIZE,
    holdBatchMaxQueued: env.HOLD_BATCH_MAX_QUEUED,
    holdBatchMaxQueuedTotal: env.HOLD_BATCH_MAX_QUEUED_TOTAL,
    seedOnStart: env.SEED_ON_START,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    trustProxy: env.TRUST_PROXY,
  };
}

export type AppConfig = ReturnType<typeof appConfig>;

import type { Env } from './env.schema';

/** The 'queue' section of the configuration (the waiting room), from the validated environment. */
export function queueConfig(env: Env) {
  return {
    /** null: the secret generated once and stored in the database (queue_token_secret). */
    tokenSecret: env.QUEUE_TOKEN_SECRET ?? null,
    abandonSeconds: env.QUEUE_ABANDON_SECONDS,
    powMaxNumber: env.QUEUE_POW_MAX_NUMBER,
  };
}

export type QueueConfig = ReturnType<typeof queueConfig>;

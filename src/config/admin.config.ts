import { bearerTokensOf } from './env.rules';
import type { Env } from './env.schema';

/** The 'admin' section of the configuration, from the validated environment (see loadConfig). */
export function adminConfig(env: Env) {
  return {
    /** Empty: the admin API is disabled. */
    tokens: bearerTokensOf(env.ADMIN_API_TOKEN),
  };
}

export type AdminConfig = ReturnType<typeof adminConfig>;

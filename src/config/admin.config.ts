import { adminOperatorsOf } from './env.rules';
import type { Env } from './env.schema';

/** The 'admin' section of the configuration, from the validated environment (see loadConfig). */
export function adminConfig(env: Env) {
  return {
    /** Empty: the admin API is disabled. Each token with the operator name it acts as. */
    operators: adminOperatorsOf(env.ADMIN_API_TOKEN),
  };
}

export type AdminConfig = ReturnType<typeof adminConfig>;

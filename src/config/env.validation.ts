import { defaultSweepIntervalSeconds, ENV_RULES } from './env.rules';
import { type Env, parseEnv } from './env.schema';

/**
 * Parses and validates raw env vars: the schema (env.schema.ts: each setting, its default and
 * transform), then the cross-field rules (env.rules.ts). Throws one error that lists every
 * problem, so a misconfigured deployment fails at boot with a message that says what to fix.
 * Each section's mapper (app.config.ts, redis.config.ts, ...) then reads the result.
 */
export function validateEnv(raw: Record<string, unknown>): Env {
  const { env, problems } = parseEnv(raw);
  env.HOLD_SWEEP_INTERVAL_SECONDS ??= defaultSweepIntervalSeconds(env);
  for (const rule of ENV_RULES) problems.push(...rule(env));
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return env;
}

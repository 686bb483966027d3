import { buyerAuthProblems } from './buyer-auth.config';
import { corsProblems } from './cors.config';
import type { Env } from './env.schema';
import { redisConfig, redisConfigured } from './redis.config';

/**
 * The cross-field rules: what no single setting's decorator can say. Each returns its
 * problems (none when the combination is fine); validateEnv applies them all and reports
 * every problem at once. Each is unit-tested in env.rules.spec.ts.
 */
export type EnvRule = (env: Env) => string[];

/** Nothing else may open the SQLite file, so no worker process could ever release the holds. */
export const apiOnlyNeedsSharedDatabase: EnvRule = (env) =>
  env.DB_TYPE === 'sqlite' && !env.WORKER_ENABLED
    ? [
        'WORKER_ENABLED=false needs a worker process of its own, which DB_TYPE=sqlite (one process) cannot have',
      ]
    : [];

export const oneKindOfRedis: EnvRule = (env) =>
  env.REDIS_HOST && env.REDIS_CLUSTER_NODES
    ? ['Set REDIS_HOST (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both']
    : [];

/** Other processes share the database, and each would serve its own memory cache. */
export const sharedDatabaseNeedsRedis: EnvRule = (env) =>
  env.DB_TYPE !== 'sqlite' && !redisConfigured(redisConfig(env)) && !env.WORKER_ENABLED
    ? [sharedDatabaseWithoutRedis('WORKER_ENABLED=false (worker processes next to this API)')]
    : [];

export const productionNeedsSignedWebhooks: EnvRule = (env) =>
  env.NODE_ENV === 'production' && !env.PAYMENT_WEBHOOK_SECRET && !env.ALLOW_UNSIGNED_WEBHOOKS
    ? [
        'PAYMENT_WEBHOOK_SECRET must be set when NODE_ENV=production (webhooks would be unsigned); ' +
          'ALLOW_UNSIGNED_WEBHOOKS=true accepts them anyway, for a staging environment',
      ]
    : [];

export const streamRetryRange: EnvRule = (env) =>
  env.STREAM_RETRY_MIN_MS > env.STREAM_RETRY_MAX_MS
    ? ['STREAM_RETRY_MIN_MS must not be above STREAM_RETRY_MAX_MS']
    : [];

export const bearerTokenSettings: EnvRule = (env) => [
  ...operatorNameProblems(env.ADMIN_API_TOKEN),
  ...tokenProblems(
    'ADMIN_API_TOKEN',
    adminOperatorsOf(env.ADMIN_API_TOKEN)
      .map((entry) => entry.token)
      .join(','),
  ),
  ...tokenProblems('METRICS_TOKEN', env.METRICS_TOKEN),
];

export const ENV_RULES: readonly EnvRule[] = [
  apiOnlyNeedsSharedDatabase,
  oneKindOfRedis,
  sharedDatabaseNeedsRedis,
  productionNeedsSignedWebhooks,
  streamRetryRange,
  bearerTokenSettings,
  buyerAuthProblems,
  corsProblems,
];

/** Without Redis there are no delayed jobs: the sweeper alone releases holds, so it runs every second. */
export function defaultSweepIntervalSeconds(env: Env): number {
  return redisConfigured(redisConfig(env)) ? 30 : 1;
}

/**
 * MySQL/MariaDB without Redis is one API process: with several processes on the database,
 * each would cache product reads in its own memory and serve them stale for up to the TTL
 * after another process changed the stock.
 */
export function sharedDatabaseWithoutRedis(what: string): string {
  return (
    `${what} shares the MySQL/MariaDB database between processes, which needs REDIS_HOST: without Redis each ` +
    'process keeps its own product cache and would serve stale stock. Set REDIS_HOST, or run one process with WORKER_ENABLED=true'
  );
}

export const ADMIN_TOKEN_MIN_LENGTH = 32;
/** Printable ASCII without spaces or commas (the separator), as an Authorization header carries it. */
const ADMIN_TOKEN_PATTERN = /^[\x21-\x2b\x2d-\x7e]+$/;

/** A bearer-token setting's tokens (ADMIN_API_TOKEN, METRICS_TOKEN): comma-separated, surrounding spaces ignored; none when unset. */
export function bearerTokensOf(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((token) => token.trim());
}

/** The actor recorded for a bare ADMIN_API_TOKEN entry (one without `name:`). */
export const DEFAULT_OPERATOR = 'admin';
const OPERATOR_NAME = /^[a-z0-9._-]{1,40}$/;

export interface AdminOperator {
  /** Recorded as `actor` on every stock movement and order action made with this token. */
  name: string;
  token: string;
}

/**
 * ADMIN_API_TOKEN's entries: `name:token` (the name is 1-40 of [a-z0-9._-]) or a bare token,
 * whose operator is `admin`. An entry with a colon is always `name:token`, so a name that
 * breaks the rule is refused at boot rather than read as part of a token.
 */
export function adminOperatorsOf(raw: string | undefined): AdminOperator[] {
  return bearerTokensOf(raw).map((entry) => {
    const colon = entry.indexOf(':');
    return colon < 0
      ? { name: DEFAULT_OPERATOR, token: entry }
      : { name: entry.slice(0, colon), token: entry.slice(colon + 1) };
  });
}

function operatorNameProblems(raw: string | undefined): string[] {
  return adminOperatorsOf(raw).flatMap(({ name }, index) =>
    OPERATOR_NAME.test(name)
      ? []
      : [
          `ADMIN_API_TOKEN: entry ${index + 1} names its operator "${name.slice(0, 40)}"; a name is 1-40 of a-z, 0-9, '.', '_', '-'`,
        ],
  );
}

/** Problems with a bearer-token setting, without ever quoting a token (they are secrets). */
function tokenProblems(name: 'ADMIN_API_TOKEN' | 'METRICS_TOKEN', raw: string | undefined): string[] {
  return bearerTokensOf(raw).flatMap((token, index) => {
    if (token.length < ADMIN_TOKEN_MIN_LENGTH) {
      return [
        `${name}: token ${index + 1} is ${token.length} characters; each must be at least ${ADMIN_TOKEN_MIN_LENGTH}`,
      ];
    }
    if (!ADMIN_TOKEN_PATTERN.test(token)) {
      return [`${name}: token ${index + 1} must be printable ASCII without spaces`];
    }
    return [];
  });
}

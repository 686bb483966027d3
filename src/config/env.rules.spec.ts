import {
  ADMIN_TOKEN_MIN_LENGTH,
  adminOperatorsOf,
  apiOnlyNeedsSharedDatabase,
  bearerTokenSettings,
  defaultSweepIntervalSeconds,
  ENV_RULES,
  oneKindOfRedis,
  productionNeedsSignedWebhooks,
  sharedDatabaseNeedsRedis,
  streamRetryRange,
} from './env.rules';
import { parseEnv } from './env.schema';
import { buyerAuthProblems } from './buyer-auth.config';

/** The schema's view of these settings (defaults applied), before any cross-field rule. */
const envOf = (raw: Record<string, string> = {}) => {
  const { env, problems } = parseEnv(raw);
  expect(problems).toEqual([]);
  return env;
};
const TOKEN = 't'.repeat(ADMIN_TOKEN_MIN_LENGTH);

describe('cross-field configuration rules', () => {
  it('should apply every rule, the buyer-auth one included', () => {
    expect(ENV_RULES).toHaveLength(8);
    expect(ENV_RULES).toContain(buyerAuthProblems);
    for (const rule of ENV_RULES) expect(rule(envOf())).toEqual([]);
  });

  it('should refuse an API-only process on SQLite, and allow it on MySQL/MariaDB', () => {
    expect(apiOnlyNeedsSharedDatabase(envOf({ WORKER_ENABLED: 'false' }))).toEqual([
      expect.stringMatching(/WORKER_ENABLED=false needs a worker process of its own/),
    ]);
    expect(apiOnlyNeedsSharedDatabase(envOf({ DB_TYPE: 'mysql', WORKER_ENABLED: 'false' }))).toEqual([]);
    expect(apiOnlyNeedsSharedDatabase(envOf({ WORKER_ENABLED: 'true' }))).toEqual([]);
  });

  it('should refuse REDIS_HOST and REDIS_CLUSTER_NODES together, and take either alone', () => {
    const nodes = '127.0.0.1:7001';
    expect(oneKindOfRedis(envOf({ REDIS_HOST: 'r', REDIS_CLUSTER_NODES: nodes }))).toEqual([
      expect.stringMatching(/not both/),
    ]);
    expect(oneKindOfRedis(envOf({ REDIS_HOST: 'r' }))).toEqual([]);
    expect(oneKindOfRedis(envOf({ REDIS_CLUSTER_NODES: nodes }))).toEqual([]);
  });

  it('should refuse an API-only process on MySQL/MariaDB without Redis (one server or a cluster)', () => {
    const apiOnly = { DB_TYPE: 'mariadb', WORKER_ENABLED: 'false' };
    expect(sharedDatabaseNeedsRedis(envOf(apiOnly))).toEqual([expect.stringMatching(/needs REDIS_HOST/)]);
    expect(sharedDatabaseNeedsRedis(envOf({ ...apiOnly, REDIS_HOST: 'r' }))).toEqual([]);
    expect(sharedDatabaseNeedsRedis(envOf({ ...apiOnly, REDIS_CLUSTER_NODES: 'a:7001' }))).toEqual([]);
    expect(sharedDatabaseNeedsRedis(envOf({ DB_TYPE: 'mariadb' }))).toEqual([]);
  });

  it('should refuse unsigned webhooks in production unless ALLOW_UNSIGNED_WEBHOOKS says so', () => {
    expect(productionNeedsSignedWebhooks(envOf({ NODE_ENV: 'production' }))).toEqual([
      expect.stringMatching(/PAYMENT_WEBHOOK_SECRET must be set/),
    ]);
    expect(
      productionNeedsSignedWebhooks(envOf({ NODE_ENV: 'production', ALLOW_UNSIGNED_WEBHOOKS: 'true' })),
    ).toEqual([]);
    expect(
      productionNeedsSignedWebhooks(envOf({ NODE_ENV: 'production', PAYMENT_WEBHOOK_SECRET: 'whsec_12345' })),
    ).toEqual([]);
    expect(productionNeedsSignedWebhooks(envOf({ NODE_ENV: 'development' }))).toEqual([]);
  });

  it('should refuse a stream retry range whose minimum is above its maximum', () => {
    expect(
      streamRetryRange(envOf({ STREAM_RETRY_MIN_MS: '6000', STREAM_RETRY_MAX_MS: '5000' })),
    ).toHaveLength(1);
    expect(streamRetryRange(envOf({ STREAM_RETRY_MIN_MS: '5000', STREAM_RETRY_MAX_MS: '5000' }))).toEqual([]);
  });

  it('should check the admin and metrics tokens alike, naming the setting and never the token', () => {
    const problems = bearerTokenSettings(envOf({ ADMIN_API_TOKEN: 'short', METRICS_TOKEN: `${TOKEN}, x y` }));
    expect(problems).toEqual([
      expect.stringMatching(/^ADMIN_API_TOKEN: token 1 is 5 characters/),
      expect.stringMatching(/^METRICS_TOKEN: token 2 /),
    ]);
    expect(problems.join()).not.toContain('short');
    expect(bearerTokenSettings(envOf({ ADMIN_API_TOKEN: TOKEN, METRICS_TOKEN: TOKEN }))).toEqual([]);
  });

  it('should read ADMIN_API_TOKEN entries as name:token, a bare token acting as admin', () => {
    expect(adminOperatorsOf(`alice:${TOKEN}, ${TOKEN}2 ,ops.bot_1-x:${TOKEN}3`)).toEqual([
      { name: 'alice', token: TOKEN },
      { name: 'admin', token: `${TOKEN}2` },
      { name: 'ops.bot_1-x', token: `${TOKEN}3` },
    ]);
    expect(adminOperatorsOf(undefined)).toEqual([]);
  });

  it.each([
    ['an upper-case name', `Alice:${TOKEN}`],
    ['an empty name', `:${TOKEN}`],
    ['a name over 40 characters', `${'a'.repeat(41)}:${TOKEN}`],
    ['a name with a space-free but foreign character', `al!ce:${TOKEN}`],
  ])('should refuse %s at boot without quoting the token', (_, raw) => {
    const problems = bearerTokenSettings(envOf({ ADMIN_API_TOKEN: raw }));
    expect(problems).toEqual([expect.stringMatching(/^ADMIN_API_TOKEN: entry 1 names its operator/)]);
    expect(problems.join()).not.toContain(TOKEN);
  });

  it('should check the token part of a named entry like a bare token', () => {
    expect(bearerTokenSettings(envOf({ ADMIN_API_TOKEN: 'bob:short' }))).toEqual([
      expect.stringMatching(/^ADMIN_API_TOKEN: token 1 is 5 characters/),
    ]);
    expect(bearerTokenSettings(envOf({ ADMIN_API_TOKEN: `bob:${TOKEN}` }))).toEqual([]);
  });

  it('should sweep every second without Redis and every 30 s with it', () => {
    expect(defaultSweepIntervalSeconds(envOf())).toBe(1);
    expect(defaultSweepIntervalSeconds(envOf({ REDIS_HOST: 'r' }))).toBe(30);
    expect(defaultSweepIntervalSeconds(envOf({ REDIS_CLUSTER_NODES: 'a:7001' }))).toBe(30);
  });
});

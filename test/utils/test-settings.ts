import { deleteRedisKeys } from './redis-server';
import {
  dropDatabase,
  EMBEDDED,
  removeSqliteDatabase,
  sqlitePathFor,
  TEST_DB,
  uniqueDatabaseName,
} from './test-env';

export const TEST_WEBHOOK_SECRET = 'whsec_test_secret_for_e2e';

/** The database (and Redis namespace) of one test app or module, and how to remove it. */
export interface TestStorage {
  databaseName: string;
  remove(): Promise<void>;
}

/**
 * What process.env held, before any test settings, under each key applyTestSettings has set
 * (undefined: the key was absent). Jest gives each spec file its own process.env, but a file
 * with several apps would otherwise start each with the overrides of the ones before it.
 */
const envBeforeTestSettings = new Map<string, string | undefined>();

/** Puts back what process.env held before the earlier test settings of this spec file. */
function forgetEarlierTestSettings(): void {
  for (const [key, value] of envBeforeTestSettings) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/**
 * Puts the settings of a test app or module into process.env (read by loadConfig): a database
 * of its own on the machine's MariaDB with the machine's Redis, or in embedded mode (see
 * EMBEDDED) a SQLite file of its own without Redis. Passing the `DB_DATABASE` of one that was
 * kept reopens its database in either mode. `env` overrides settings; an empty string unsets
 * an optional one. Overrides of earlier calls are gone first: each app gets only its own.
 */
export function applyTestSettings(env: Record<string, string> = {}): TestStorage {
  forgetEarlierTestSettings();
  const databaseName = env.DB_DATABASE ?? uniqueDatabaseName();
  const settings: Record<string, string> = {
    NODE_ENV: 'test',
    ...(EMBEDDED ? embeddedSettings(databaseName) : serverSettings()),
    DB_DATABASE: databaseName,
    // Queues and cache keys of one suite never meet another suite's (each has its own database).
    REDIS_PREFIX: databaseName,
    SEED_ON_START: 'false',
    PAYMENT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    // Concurrency suites fire hundreds of POSTs from one address; the rate-limit suite turns it on.
    RATE_LIMIT_PER_MINUTE: '0',
    TRUST_PROXY: 'false',
    // pino writes straight to stdout, past Jest's console capture: silent unless asked for.
    LOG_LEVEL: process.env.TEST_LOGS ? 'debug' : 'silent',
    ...env,
  };
  for (const key of Object.keys(settings)) {
    if (!envBeforeTestSettings.has(key)) envBeforeTestSettings.set(key, process.env[key]);
  }
  Object.assign(process.env, settings);
  const redisKeys = {
    port: Number(process.env.REDIS_PORT || 6379),
    pattern: `${process.env.REDIS_PREFIX}:*`,
  };
  return {
    databaseName,
    async remove() {
      if (EMBEDDED) return removeSqliteDatabase(databaseName);
      // Delayed jobs (and cache entries) would otherwise stay in the shared Redis forever.
      await deleteRedisKeys(redisKeys.port, redisKeys.pattern);
      // Hash-tagged keys (the waiting room's lines) start with `{<prefix>:`.
      await deleteRedisKeys(redisKeys.port, `{${redisKeys.pattern}`);
      await dropDatabase(databaseName);
    },
  };
}

/** The machine's MariaDB and Redis. Redis must be named: without REDIS_HOST the app runs without it. */
function serverSettings(): Record<string, string> {
  return {
    DB_TYPE: TEST_DB.type,
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_USERNAME: TEST_DB.user,
    DB_PASSWORD: TEST_DB.password,
    REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
  };
}

/**
 * Embedded mode: a SQLite file of the suite's own and no Redis. No periodic sweep unless a
 * spec asks for one (`HOLD_SWEEP_INTERVAL_SECONDS: ''` gives embedded's 1 s default): on
 * SQLite the test's own queries share the app's one connection, so a sweep must not run in
 * the middle of a test that did not ask for one.
 */
function embeddedSettings(databaseName: string): Record<string, string> {
  return {
    DB_TYPE: 'sqlite',
    SQLITE_PATH: sqlitePathFor(databaseName),
    REDIS_HOST: '',
    HOLD_SWEEP_INTERVAL_SECONDS: '3600',
  };
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureHttpApp, createFastifyAdapter } from '../../src/bootstrap/http-app';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { deleteRedisKeys } from './redis-server';
import {
  dropDatabase,
  EMBEDDED,
  removeSqliteDatabase,
  sqlitePathFor,
  TEST_DB,
  uniqueDatabaseName,
} from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest bound to the app's real TCP listener, so parallel requests are real connections. */
  http: TestAgent;
  url: string;
  dataSource: DataSource;
  databaseName: string;
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export const TEST_WEBHOOK_SECRET = 'whsec_test_secret_for_e2e';

export interface TestAppOptions {
  /** Adjusts the testing module before it compiles, e.g. overrideProvider(LOG_DESTINATION). */
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * Starts the real application (same modules, pipes, filters and Fastify settings as
 * main.ts) against a database of its own on the machine's MariaDB, or in embedded mode (see
 * EMBEDDED) on a SQLite file of its own without Redis. Passing the `DB_DATABASE` of an app
 * that was closed with `keepDatabase` reopens its database in either mode.
 * `env` overrides settings; an empty string unsets an optional one.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const databaseName = env.DB_DATABASE ?? uniqueDatabaseName();
  Object.assign(process.env, {
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
  });

  const redisKeys = {
    port: Number(process.env.REDIS_PORT || 6379),
    pattern: `${process.env.REDIS_PREFIX}:*`,
  };
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot()] });
  const moduleRef = await (options.customize ? options.customize(builder) : builder).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(), {
    rawBody: true,
    logger: process.env.TEST_LOGS ? undefined : false,
  });
  configureHttpApp(app);
  await app.listen(0, '127.0.0.1');
  if (EMBEDDED) await startupSweepDone(app);
  const url = await app.getUrl();

  return {
    app,
    http: request(url.replace('[::1]', '127.0.0.1')),
    url,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    databaseName,
    async close({ keepDatabase = false } = {}) {
      await app.close();
      if (keepDatabase) return;
      if (EMBEDDED) return removeSqliteDatabase(databaseName);
      // Delayed jobs (and cache entries) would otherwise stay in the shared Redis forever.
      await deleteRedisKeys(redisKeys.port, redisKeys.pattern);
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

/** The sweep every app runs at start, finished before the test's own queries begin (see above). */
async function startupSweepDone(app: NestFastifyApplication): Promise<void> {
  let sweeper: ExpiredHoldsSweeper;
  try {
    sweeper = app.get(ExpiredHoldsSweeper, { strict: false });
  } catch {
    return; // An API-only app has no sweeper.
  }
  await sweeper.run();
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureHttpApp, createFastifyAdapter } from '../../src/bootstrap/http-app';
import { ExpiredHoldsSweeper } from '../../src/expiry/working/expired-holds.sweeper';
import { EMBEDDED } from './test-env';
import { applyTestSettings, TEST_WEBHOOK_SECRET } from './test-settings';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest bound to the app's real TCP listener, so parallel requests are real connections. */
  http: TestAgent;
  url: string;
  dataSource: DataSource;
  databaseName: string;
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export { TEST_WEBHOOK_SECRET };

export interface TestAppOptions {
  /** Adjusts the testing module before it compiles, e.g. overrideProvider(LOG_DESTINATION). */
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * Starts the real application (same modules, pipes, filters and Fastify settings as
 * main.ts) on a database of its own (see applyTestSettings for the settings and `env`).
 * Passing the `DB_DATABASE` of an app that was closed with `keepDatabase` reopens its database.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const storage = applyTestSettings(env);
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
    databaseName: storage.databaseName,
    async close({ keepDatabase = false } = {}) {
      await app.close();
      if (!keepDatabase) await storage.remove();
    },
  };
}

/**
 * Two instances of the app on one database (and one Redis in scale-out mode), as two API
 * processes of one deployment are. Close them with closeTestAppPair.
 */
export async function createTestAppPair(env: Record<string, string> = {}): Promise<[TestApp, TestApp]> {
  const a = await createTestApp(env);
  const b = await createTestApp({ ...env, DB_DATABASE: a.databaseName });
  return [a, b];
}

/** Closes both apps of a pair: B keeps the shared database, A removes it. */
export async function closeTestAppPair(a: TestApp, b: TestApp): Promise<void> {
  await b.close({ keepDatabase: true });
  await a.close();
}

/** The sweep every app runs at start, finished before the test's own queries begin (see embeddedSettings). */
async function startupSweepDone(app: NestFastifyApplication): Promise<void> {
  let sweeper: ExpiredHoldsSweeper;
  try {
    sweeper = app.get(ExpiredHoldsSweeper, { strict: false });
  } catch {
    return; // An API-only app has no sweeper.
  }
  await sweeper.run();
}

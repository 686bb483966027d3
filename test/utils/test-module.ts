import type { DynamicModule, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/configuration';
import { DatabaseModule } from '../../src/database/database.module';
import { LoggingModule } from '../../src/observability/logging.module';
import { RateLimitModule } from '../../src/security/rate-limit';
import { applyTestSettings } from './test-settings';

/** A Nest module tree on the real database, without HTTP (the test/medium tier). */
export interface TestModule {
  /** Resolves a provider of the tree, as the app's injector would. */
  get<T>(token: Type<T> | string | symbol): T;
  dataSource: DataSource;
  databaseName: string;
  close(): Promise<void>;
}

/**
 * Compiles and starts the given feature modules on top of what every process has (the
 * validated configuration, the logger, the rate limit, the database module that migrates a
 * database of the suite's own) and nothing else: no HTTP server, no controllers' pipeline, no queue unless
 * a module asks for it. The medium tier calls services directly, to test a rule where HTTP
 * would only be in the way (a deadlock, a transaction's rollback, two calls at the same point).
 */
export async function createTestModule(
  imports: Array<Type | DynamicModule>,
  env: Record<string, string> = {},
): Promise<TestModule> {
  const storage = applyTestSettings(env);
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, load: [() => loadConfig()], ignoreEnvFile: true }),
      LoggingModule,
      // Global, as in AppModule: the feature modules' controllers are built (not served) and use its guard.
      RateLimitModule,
      DatabaseModule,
      ...imports,
    ],
  }).compile();
  moduleRef.useLogger(process.env.TEST_LOGS ? console : false);
  await moduleRef.init();
  return {
    get: (token) => moduleRef.get(token, { strict: false }),
    dataSource: moduleRef.get<DataSource>(getDataSourceToken()),
    databaseName: storage.databaseName,
    async close() {
      await moduleRef.close();
      await storage.remove();
    },
  };
}

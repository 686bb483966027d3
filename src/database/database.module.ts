import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { AllConfig } from '../config/config.types';
import { TypeOrmLogger } from '../observability/typeorm-logger';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';
import { DatabaseIdentity } from './database-identity';
import { withCausalReads } from './galera';
import { migrateAndSeed, untilReachable } from './prepare-database';
import { TRANSACTION_RETRIES_METRIC, UnitOfWork } from './unit-of-work';

/**
 * The connection (migrated at boot), UnitOfWork and the database's identity. Not global: each
 * module whose services run transactions or name Redis keys imports it (one instance).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      // Every process (API or worker) makes sure the schema is current before it serves.
      useFactory: async (config: ConfigService<AllConfig, true>) => {
        const db = config.getOrThrow('database', { infer: true });
        const options = buildDataSourceOptions(db);
        const { galera } = await migrateAndSeed(options, db, {
          seed: config.getOrThrow('app.seedOnStart', { infer: true }),
        });
        // TypeORM's messages as JSON lines like every other log line. `galera` is read by the
        // data source factory below (TypeORM passes these options through to it).
        return { ...options, retryAttempts: 0, logger: new TypeOrmLogger(), galera };
      },
      // On Galera every connection reads causally (see withCausalReads).
      dataSourceFactory: (options) => {
        const { galera, ...rest } = options as typeof options & { galera?: boolean };
        return untilReachable(() => {
          const dataSource = new DataSource(rest as typeof options & object);
          return (galera ? withCausalReads(dataSource) : dataSource).initialize();
        });
      },
    }),
  ],
  providers: [
    UnitOfWork,
    // Read once at boot (after the migrations): keys in Redis carry it.
    {
      provide: DatabaseIdentity,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => DatabaseIdentity.read(dataSource),
    },
    makeCounterProvider({
      name: TRANSACTION_RETRIES_METRIC,
      help: 'Transactions run again after a deadlock, lock-wait timeout or (Galera) certification failure, by error code',
      labelNames: ['reason'],
    }),
  ],
  exports: [UnitOfWork, DatabaseIdentity],
})
export class DatabaseModule {}

import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AllConfig } from '../config/config.types';
import { TypeOrmLogger } from '../observability/typeorm-logger';
import { buildDataSourceOptions } from './data-source-options';
import { DatabaseIdentity } from './database-identity';
import { migrateAndSeed } from './prepare-database';
import { UnitOfWork } from './unit-of-work';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      // Every process (API or worker) makes sure the schema is current before it serves.
      useFactory: async (config: ConfigService<AllConfig, true>) => {
        const db = config.getOrThrow('database', { infer: true });
        const options = buildDataSourceOptions(db);
        await migrateAndSeed(options, db, { seed: config.getOrThrow('app.seedOnStart', { infer: true }) });
        // TypeORM's messages as JSON lines like every other log line.
        return { ...options, retryAttempts: 0, logger: new TypeOrmLogger() };
      },
    }),
  ],
  providers: [
    UnitOfWork,
    // Read once at boot (after the migrations): keys in Redis carry it.
    { provide: DatabaseIdentity, inject: [DataSource], useFactory: (dataSource: DataSource) => DatabaseIdentity.read(dataSource) },
  ],
  exports: [UnitOfWork, DatabaseIdentity],
})
export class DatabaseModule {}

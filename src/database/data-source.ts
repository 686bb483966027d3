import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseConfig } from '../config/database.config';
import { loadEnvFileIfPresent } from '../config/env-file';
import { buildDataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`npm run migration:run`, `migration:generate`). Reads the same env vars as the app. */
loadEnvFileIfPresent();
export default new DataSource(buildDataSourceOptions(databaseConfig()));

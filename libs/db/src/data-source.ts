/**
 * Standalone data source for the TypeORM CLI (`npm run migration:generate`) and scripts.
 * Entities are found by file name, so the CLI sees every domain's tables.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@sg/common';
import { dataSourceOptions } from './data-source-options';

const cfg = loadConfig();
export default new DataSource(dataSourceOptions(cfg.DATABASE_URL, [__dirname + '/../../*/src/**/*.entity.{ts,js}']));

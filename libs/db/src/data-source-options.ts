import type { DataSourceOptions } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { MIGRATIONS } from '../../../migrations';

/**
 * The one place that says how Safeguards talks to PostgreSQL. Schema changes come only from the
 * reviewed migrations in migrations/, never from synchronize.
 */
export function dataSourceOptions(
  url: string,
  entities: DataSourceOptions['entities'],
  poolSize = 10,
): PostgresDataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error', 'warn'],
    extra: { max: poolSize },
  };
}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase } from './ensure-database';
import { runMigrationsLocked } from './run-migrations';

type Options = PostgresDataSourceOptions & { autoLoadEntities?: boolean; applyMigrationsAtStart?: boolean };

/**
 * PostgreSQL through TypeORM. Entities are registered by each domain module with
 * TypeOrmModule.forFeature (autoLoadEntities). Migrations are applied when the data source is
 * created, under an advisory lock, before any repository can be used — unless
 * MIGRATIONS_RUN=false, in which case `npm run migration:run` is a deploy step.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (cfg: AppConfig) =>
        ({
          ...dataSourceOptions(cfg.DATABASE_URL, [], cfg.DATABASE_POOL_SIZE),
          autoLoadEntities: true,
          applyMigrationsAtStart: cfg.MIGRATIONS_RUN,
        }) as Options,
      dataSourceFactory: async (options) => {
        const { applyMigrationsAtStart, ...rest } = options as Options;
        if (applyMigrationsAtStart && rest.url) await ensureDatabase(rest.url);
        const ds = await new DataSource(rest).initialize();
        if (applyMigrationsAtStart) await runMigrationsLocked(ds);
        return ds;
      },
    }),
  ],
})
export class DbModule {}

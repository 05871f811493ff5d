export * from './data-source-options';
export * from './run-migrations';
export * from './db.module';
export * from './ensure-database';
export * from './bigint-number.transformer';
export * from './raw-query';

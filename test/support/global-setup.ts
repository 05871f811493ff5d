import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/db/src/data-source-options';
import { runMigrationsLocked } from '../../libs/db/src/run-migrations';
import { databaseUrl, TEMPLATE_DB, TEST_PG_ADMIN_URL } from './test-env';

/**
 * Migrates once into a template database; each suite clones it (see test-db.ts), so suites are
 * isolated and fast. Running the real migrations here also proves they apply on a fresh database.
 */
export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    // Leftovers of an interrupted run.
    const old = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'sg_test_%'`);
    for (const row of old.rows as { datname: string }[]) {
      await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const ds = await new DataSource(dataSourceOptions(databaseUrl(TEMPLATE_DB), [])).initialize();
  try {
    await runMigrationsLocked(ds);
  } finally {
    await ds.destroy();
  }
}

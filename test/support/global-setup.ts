import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../libs/db/src/data-source-options';
import { runMigrationsLocked } from '../../libs/db/src/run-migrations';
import { databaseUrl, templateDb, TEST_PG_ADMIN_URL } from './test-env';

/** Databases of runs older than this were left by an interrupted run. */
const STALE_MS = 6 * 3600_000;

/**
 * Migrates once into a template database; each suite clones it (see test-db.ts), so suites are
 * isolated and fast. Running the real migrations here also proves they apply on a fresh database.
 */
export default async function globalSetup(): Promise<void> {
  process.env.SG_TEST_RUN = `${Date.now().toString(36)}_${process.pid}`;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    // Leftovers of interrupted runs; the run id starts with its start time.
    const old = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'sg\\_test\\_%'`);
    for (const { datname } of old.rows as { datname: string }[]) {
      const started = parseInt(datname.split('_')[2] ?? '', 36);
      if (Number.isFinite(started) && Date.now() - started > STALE_MS) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await admin.query(`CREATE DATABASE "${templateDb()}"`);
  } finally {
    await admin.end();
  }
  const ds = await new DataSource(dataSourceOptions(databaseUrl(templateDb()), [])).initialize();
  try {
    await runMigrationsLocked(ds);
  } finally {
    await ds.destroy();
  }
}

import type { DataSource } from 'typeorm';

/** Arbitrary constant naming the "schema migration" advisory lock. */
const MIGRATION_LOCK_KEY = 727_274_001;

/**
 * Applies pending migrations while holding a session-level advisory lock, so that several
 * processes starting together migrate once: the others wait for the lock, then find nothing to do.
 * Each migration runs in its own transaction.
 */
export async function runMigrationsLocked(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await qr.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await qr.release();
  }
}

import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrationsLocked } from '@sg/db';
import { createTestDatabase } from '../support/test-db';
import { MIGRATIONS } from '../../migrations';

async function tables(ds: DataSource): Promise<string[]> {
  const r: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  return r.map((x) => x.table_name);
}

describe('migrations', () => {
  it('revert completely with down() and apply again', async () => {
    const db = await createTestDatabase();
    const ds = await new DataSource(dataSourceOptions(db.url, [])).initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables(ds)).toEqual(['migrations']);
      const applied = await runMigrationsLocked(ds);
      expect(applied).toHaveLength(MIGRATIONS.length);
      expect(await tables(ds)).toEqual(expect.arrayContaining(['subscriptions', 'vm_addresses', 'api_tokens']));
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });

  it('are applied once when two processes start together', async () => {
    const db = await createTestDatabase();
    const a = await new DataSource(dataSourceOptions(db.url, [])).initialize();
    const b = await new DataSource(dataSourceOptions(db.url, [])).initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i++) await a.undoLastMigration({ transaction: 'each' });
      const [x, y] = await Promise.all([runMigrationsLocked(a), runMigrationsLocked(b)]);
      expect(x.length + y.length).toBe(MIGRATIONS.length);
      const rows: unknown[] = await a.query('SELECT * FROM migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      await a.destroy();
      await b.destroy();
      await db.drop();
    }
  });
});

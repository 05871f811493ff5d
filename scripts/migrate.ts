/**
 * `npm run migration:run` applies pending migrations (under the same advisory lock as start-up);
 * `npm run migration:revert` undoes the last one with its down().
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@sg/common';
import { dataSourceOptions, runMigrationsLocked } from '@sg/db';

async function main(): Promise<void> {
  const cmd = process.argv[2];
  const cfg = loadConfig();
  const ds = await new DataSource(dataSourceOptions(cfg.DATABASE_URL, [])).initialize();
  try {
    if (cmd === 'run') {
      const done = await runMigrationsLocked(ds);
      console.log(done.length ? `applied: ${done.join(', ')}` : 'nothing to apply');
    } else if (cmd === 'revert') {
      await ds.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      console.error('usage: migrate.ts run|revert');
      process.exitCode = 2;
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

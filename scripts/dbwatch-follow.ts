/**
 * `npm run dbwatch:follow -- <serverId> <file|dir> [<serverId> <file|dir> ...]`
 * Follows managed servers' PostgreSQL logs in a process of its own (what DBWATCH_FOLLOW does in
 * the collector): the servers must be registered (POST /api/v1/db-servers); positions are kept
 * in PostgreSQL (DATABASE_URL), so it may be stopped, killed and restarted at will. The events are
 * analysed here (alerts recorded; their mail goes out from the worker). Ctrl-C stops.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@sg/common';
import { CoreModule } from '@sg/core';
import { DbLogFollowerService, DbwatchAnalysisModule, DbwatchFollowModule } from '@sg/dbwatch';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.length % 2 !== 0) {
    throw new Error('usage: npm run dbwatch:follow -- <serverId> <file|dir> [<serverId> <file|dir> ...]');
  }
  const pairs: string[] = [];
  for (let i = 0; i < args.length; i += 2) pairs.push(`${args[i]}=${args[i + 1]}`);
  const config = loadConfig({ ...process.env, DBWATCH_FOLLOW: pairs.join(',') });

  @Module({ imports: [CoreModule.forRoot(config), DbwatchAnalysisModule, DbwatchFollowModule] })
  class FollowCliModule {}

  const app = await NestFactory.createApplicationContext(FollowCliModule, { bufferLogs: true });
  app.enableShutdownHooks();
  const followers = app.get(DbLogFollowerService).followers;
  const report = setInterval(() => {
    const s = followers.map((f) => f.stats);
    const sum = (k: 'bytes' | 'events' | 'rotations' | 'rejected') => s.reduce((a, x) => a + x[k], 0);
    console.log(
      `read ${sum('bytes')} bytes, ${sum('events')} login events, ${sum('rotations')} rotations, ${sum('rejected')} rejected`,
    );
  }, 10_000);
  report.unref();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

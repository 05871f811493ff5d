import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type AppConfig, type ProcessRole } from '@sg/common';
import { createApp } from '../../apps/safeguards/src/create-app';
import { createTestDatabase } from './test-db';
import { ADMIN_TOKEN } from './http';
import { TEST_REDIS_URL } from './test-env';

export { ADMIN_TOKEN, api } from './http';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  databaseUrl: string;
  close: () => Promise<void>;
}

/**
 * A real Safeguards process (in this jest worker) on an ephemeral port, against a fresh clone of
 * the migrated test database and the machine's Redis. Pass `databaseUrl` to start a second
 * process on the same database.
 */
export async function startTestApp(
  opts: { roles?: ProcessRole[]; env?: Record<string, string>; databaseUrl?: string; port?: number } = {},
): Promise<TestApp> {
  const db = opts.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  const config = testConfig(databaseUrl, opts.env);
  const app = await createApp(opts.roles ?? ['api', 'collector', 'worker'], config);
  await app.listen(opts.port ?? 0, '127.0.0.1');
  const addr = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${addr.port}`,
    config,
    databaseUrl,
    close: async () => {
      await app.close();
      if (db) await db.drop();
    },
  };
}

/** The configuration of a test process on the given database (ephemeral ports, its own queues). */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  // Queues are private to the test database's processes, so suites running side by side on one
  // Redis never take each other's jobs; a second process on the same database shares them.
  const queuePrefix = `sgt:${new URL(databaseUrl).pathname.slice(1)}`;
  // REDIS_CLUSTER from the environment (.ci/run sets it to run the queue tests on a local cluster)
  // reaches the config as it does for the app; a suite with a Redis of its own (REDIS_URL) keeps it.
  const cluster = process.env.REDIS_CLUSTER && !env.REDIS_URL ? { REDIS_CLUSTER: process.env.REDIS_CLUSTER } : {};
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: TEST_REDIS_URL,
    ADMIN_TOKEN,
    PORT: '0',
    HOST: '127.0.0.1',
    // Ephemeral ports, so suites running side by side never collide.
    NETFLOW_PORT: '0',
    SFLOW_PORT: '0',
    INBOUND_SMTP_PORT: '0',
    QUEUE_PREFIX: queuePrefix,
    ...cluster,
    ...env,
  });
}

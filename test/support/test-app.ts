import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type AppConfig, type Role } from '@sg/common';
import { createApp } from '../../apps/safeguards/src/create-app';
import { createTestDatabase } from './test-db';
import { TEST_REDIS_URL } from './test-env';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

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
  opts: { roles?: Role[]; env?: Record<string, string>; databaseUrl?: string } = {},
): Promise<TestApp> {
  const db = opts.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  // Queues are private to the test database's processes, so suites running side by side on one
  // Redis never take each other's jobs; a second process on the same database shares them.
  const queuePrefix = `sgt:${new URL(databaseUrl).pathname.slice(1)}`;
  const config = loadConfig({
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
    ...opts.env,
  });
  const app = await createApp(opts.roles ?? ['api', 'collector', 'worker'], config);
  await app.listen(0, '127.0.0.1');
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

/** fetch with the admin token (or the given one) and JSON handling. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

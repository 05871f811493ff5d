import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase } from '../../support/test-db';
import { api, startTestApp, type TestApp } from '../../support/test-app';

export interface FollowedServerApp {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  app: TestApp;
}

/**
 * A fresh database with subscription `s1` and a stderr server `serverId`, the app (all roles) following
 * `logDir` for it with the given named-networks file, and the server's policy on, mailing
 * `dba@s1.example` only.
 */
export async function startFollowedServerApp(o: {
  serverId: string;
  logDir: string;
  networks: string;
  env?: Record<string, string>;
}): Promise<FollowedServerApp> {
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url });
  await pool.query(`INSERT INTO subscriptions (id, name, contacts) VALUES ('s1', 'S1', '{owner@s1.example}')`);
  await pool.query(`INSERT INTO db_servers (id, subscription_id, name, log_format) VALUES ($1, 's1', $1, 'stderr')`, [
    o.serverId,
  ]);
  await pool.end();
  const dir = mkdtempSync(join(tmpdir(), `dbalerts-${o.serverId}-`));
  writeFileSync(join(dir, 'networks.csv'), o.networks);
  const app = await startTestApp({
    databaseUrl: db.url,
    env: {
      DBWATCH_FOLLOW: `${o.serverId}=${o.logDir}`,
      DBWATCH_FOLLOW_POLL: '100ms',
      DBWATCH_NETWORKS: join(dir, 'networks.csv'),
      ...o.env,
    },
  });
  const r = await api(app.url, 'PUT', `/api/v1/db-servers/${o.serverId}/policy`, {
    enabled: true,
    recipients: ['dba@s1.example'],
    notifySubscriptionContacts: false,
  });
  if (r.status !== 200) throw new Error(`policy of ${o.serverId}: ${r.status}`);
  return { db, app };
}

import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { waitFor } from '../mail/support/wait-for';
import { startPgCluster, type PgCluster } from '../support/pg-cluster';
import { api, type TestApp } from '../support/test-app';
import { startFollowedServerApp, type FollowedServerApp } from './support/followed-server-app';

const PW = 'a long enough password';
const DAY = 86_400_000;

/** `%m` of the Debian prefix: `2026-11-26 10:00:00.000 UTC`. */
const pgTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');

/**
 * Older log lines in the server's own format (Debian `%m [%p] %q%u@%d `), as PostgreSQL 15 writes a
 * successful scram login: alice from 127.0.0.21 (NL) and the cluster's own postgres over the socket,
 * spread over the 10 to 8 days before now (more than the 7-day learning period).
 */
function olderLog(now: number): string {
  const lines: string[] = [];
  let pid = 4000;
  for (let day = 10; day >= 8; day--) {
    for (const [user, host] of [
      ['alice', '127.0.0.21'],
      ['postgres', '[local]'],
    ]) {
      const at = now - day * DAY + pid;
      const t0 = pgTime(at);
      const t1 = pgTime(at + 7);
      const p = String(pid++);
      const from = host === '[local]' ? 'host=[local]' : `host=${host} port=${40000 + pid}`;
      lines.push(
        `${t0} [${p}] [unknown]@[unknown] LOG:  connection received: ${from}`,
        `${t1} [${p}] ${user}@postgres LOG:  connection authenticated: identity="${user}" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:2)`,
        `${t1} [${p}] ${user}@postgres LOG:  connection authorized: user=${user} database=postgres application_name=psql`,
        `${pgTime(at + 20)} [${p}] ${user}@postgres LOG:  disconnection: session time: 0:00:00.013 user=${user} database=postgres ${from}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A baseline learned from replayed older log lines of a real PostgreSQL 15 (an older file in the
 * followed log directory, read first by mtime), then live logins through the real server: a new
 * role from an address mapped to another country raises `unfamiliar-principal` and
 * `unusual-location`; the known user from the known address raises neither.
 */
describe('anomaly alerts after a learning period replayed from older log lines (real PostgreSQL 15)', () => {
  let pg: PgCluster;
  let db: FollowedServerApp['db'];
  let t: TestApp;

  beforeAll(async () => {
    pg = await startPgCluster({ format: 'stderr' });
    await pg.admin(`CREATE ROLE alice LOGIN PASSWORD '${PW}'`);
    await pg.admin(`CREATE ROLE bob LOGIN PASSWORD '${PW}'`);
    const now = Date.now();
    const older = join(pg.logDir, 'postgresql-older.log');
    writeFileSync(older, olderLog(now));
    const mtime = new Date(now - 8 * DAY);
    utimesSync(older, mtime, mtime);
    ({ db, app: t } = await startFollowedServerApp({
      serverId: 'pg-base',
      logDir: pg.logDir,
      networks: '127.0.0.40/29,DE,64496,,,berlin\n127.0.0.0/24,NL,64496,,,lab\n',
      env: { DBWATCH_LEARNING_PERIOD: '7d', SMTP_URL: 'smtp://127.0.0.1:1' },
    }));
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await pg?.stop();
  });

  it('a new principal and a new country raise their alerts; the known user from the known address neither', async () => {
    // The replayed baseline is in: alice's older logins are stored with their event time.
    const pool = new Pool({ connectionString: db.url });
    try {
      await waitFor(
        async () =>
          Number(
            (
              await pool.query<{ n: string }>(
                `SELECT count(*) AS n FROM db_login_events WHERE server_id = 'pg-base' AND user_name = 'alice'`,
              )
            ).rows[0].n,
          ) >= 3,
        30_000,
        'replayed logins',
      );
    } finally {
      await pool.end();
    }

    expect(await pg.login({ user: 'alice', password: PW, localAddress: '127.0.0.21' })).toBe(true);
    expect(await pg.login({ user: 'bob', password: PW, localAddress: '127.0.0.42' })).toBe(true);

    type Alert = {
      type: string;
      sourceIp: string;
      user: string;
      severity: string;
      evidence: {
        values: { lastSeen: string; baselineSince: string; knownValues: string[] } & Record<string, unknown>;
        source: { country: string; label: string };
      };
    };
    const list = async () => (await api(t.url, 'GET', '/api/v1/db-alerts?serverId=pg-base')).body as Alert[];
    await waitFor(async () => (await list()).length >= 2, 30_000, 'two anomaly alerts');
    // Alice's live login precedes Bob's in the log, so it was analysed no later than his (and stored).
    const alerts = await list();
    const check = new Pool({ connectionString: db.url });
    try {
      const live = await check.query(
        `SELECT 1 FROM db_login_events WHERE server_id = 'pg-base' AND user_name = 'alice' AND kind = 'login-ok'
           AND client_ip = '127.0.0.21' AND at > now() - interval '1 hour'`,
      );
      expect(live.rowCount).toBe(1);
    } finally {
      await check.end();
    }
    expect(alerts.map((a) => `${a.type} ${a.user} ${a.sourceIp}`).sort()).toEqual([
      'unfamiliar-principal bob 127.0.0.42',
      'unusual-location bob 127.0.0.42',
    ]);

    const principal = alerts.find((a) => a.type === 'unfamiliar-principal')!;
    expect(principal.severity).toBe('low');
    expect(principal.evidence.values).toMatchObject({ user: 'bob', lastSeen: 'never' });
    expect(principal.evidence.values.knownValues.sort()).toEqual(['alice', 'postgres']);
    expect(Date.now() - Date.parse(principal.evidence.values.baselineSince)).toBeGreaterThan(9.9 * DAY);

    const location = alerts.find((a) => a.type === 'unusual-location')!;
    expect(location.severity).toBe('medium');
    expect(location.evidence.values).toMatchObject({ country: 'DE', lastSeen: 'never', knownValues: ['NL'] });
    expect(location.evidence.source).toMatchObject({ country: 'DE', label: 'berlin' });
  });
});

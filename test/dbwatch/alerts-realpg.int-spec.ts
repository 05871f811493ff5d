import { SmtpCatcher } from '../mail/support/smtp-catcher';
import { waitFor } from '../mail/support/wait-for';
import { startPgCluster, type PgCluster } from '../support/pg-cluster';
import { api, type TestApp } from '../support/test-app';
import { startFollowedServerApp, type FollowedServerApp } from './support/followed-server-app';

const PW = 'a long enough password';

/**
 * End to end on a real PostgreSQL 15: its log is followed by the collector (DBWATCH_FOLLOW), clients
 * log in from chosen loopback addresses (mapped to a country and network by a named-networks file),
 * and the alerts appear with their evidence and reach the policy's recipient by e-mail.
 */
describe('alerts from a real PostgreSQL 15 log', () => {
  let pg: PgCluster;
  let db: FollowedServerApp['db'];
  let t: TestApp;
  let catcher: SmtpCatcher;

  beforeAll(async () => {
    pg = await startPgCluster({ format: 'stderr' });
    await pg.admin(`CREATE ROLE alice LOGIN PASSWORD '${PW}'`);
    catcher = await SmtpCatcher.start();
    ({ db, app: t } = await startFollowedServerApp({
      serverId: 'pg-live',
      logDir: pg.logDir,
      networks: '127.0.0.0/24,NL,64496,,,lab\n',
      env: { SMTP_URL: catcher.url, PUBLIC_URL: 'https://sg.example' },
    }));
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await pg?.stop();
    await catcher?.stop();
  });

  it("brute force with a wrong password, then its success; sqlmap; nmap's versionprobe", async () => {
    for (let i = 0; i < 6; i++)
      expect(await pg.login({ user: 'alice', password: 'wrong', localAddress: '127.0.0.31' })).toBe(false);
    expect(await pg.login({ user: 'alice', password: PW, localAddress: '127.0.0.31' })).toBe(true);
    expect(await pg.login({ user: 'alice', password: PW, application: 'sqlmap/1.8', localAddress: '127.0.0.32' })).toBe(
      true,
    );
    expect(
      await pg.login({ user: 'versionprobe', password: 'x', database: 'versionprobe', localAddress: '127.0.0.33' }),
    ).toBe(false);

    const want = [
      'brute-force 127.0.0.31',
      'brute-force-success 127.0.0.31',
      'brute-force-valid-user 127.0.0.31',
      'harmful-application 127.0.0.32',
      'harmful-application 127.0.0.33',
    ];
    const got = async () =>
      ((await api(t.url, 'GET', '/api/v1/db-alerts?serverId=pg-live')).body as { type: string; sourceIp: string }[])
        .map((a) => `${a.type} ${a.sourceIp}`)
        .sort();
    await waitFor(async () => JSON.stringify(await got()) === JSON.stringify(want), 30_000, 'five alerts');

    const list = (await api(t.url, 'GET', '/api/v1/db-alerts?serverId=pg-live&type=brute-force-success')).body as {
      id: string;
      evidence: { values: { failuresBefore: number }; source: { country: string; label: string } };
      severity: string;
    }[];
    expect(list[0].severity).toBe('high');
    expect(list[0].evidence.values.failuresBefore).toBe(6);
    expect(list[0].evidence.source).toMatchObject({ country: 'NL', label: 'lab' });
    const detail = (await api(t.url, 'GET', `/api/v1/db-alerts/${list[0].id}`)).body as {
      activity: { user: string }[];
    };
    expect(detail.activity.filter((e) => e.user === 'alice').length).toBeGreaterThanOrEqual(7);

    // One mail per alert type (four types), to the policy's recipient only.
    await waitFor(() => catcher.received.length >= 4, 30_000, 'four alert mails');
    expect(catcher.received.every((m) => m.to.join() === 'dba@s1.example')).toBe(true);
    const success = catcher.received.find((m) => /successful brute force/i.test(m.mail.subject ?? ''))!;
    expect(success.mail.text).toContain(`https://sg.example/console/db-alerts/${list[0].id}`);
    expect(success.mail.text).toContain('127.0.0.31 (country NL, AS64496');
  });
});

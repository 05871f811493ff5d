import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyLoginEvent, LOGIN_EVENT_CONSUMER, type LoginEvent, type LoginEventConsumer } from '@sg/dbwatch';
import { LoginEventRepository } from '../../libs/dbwatch/src/analysis/login-event.repository';
import { AlertMailer } from '../../libs/dbwatch/src/mail/alert-mailer.service';
import { SmtpCatcher } from '../mail/support/smtp-catcher';
import { sleep, waitFor } from '../mail/support/wait-for';
import { ADMIN_TOKEN, api, startTestApp, type TestApp } from '../support/test-app';

const DAY = 86_400_000;
const THROTTLE_MS = 6_000;

const NETWORKS = `# cidr,country,asn,provider,region,label
127.0.0.2/32,DE,64500,,,office
127.0.0.3/32,DE,64500,,,office-2
127.0.0.4/32,BR,64501,,,abroad
`;

const INVENTORY = {
  subscriptions: [{ id: 'sub-db', name: 'Data Owner', contacts: ['owner@data.example'] }],
  deployments: [],
  vms: [],
};

function ev(serverId: string, o: Partial<LoginEvent>): LoginEvent {
  return { ...emptyLoginEvent(serverId), clientIp: '127.0.0.2', user: 'app', database: 'appdb', pid: 100, ...o };
}

/**
 * Login events in (through LOGIN_EVENT_CONSUMER, as ingestion hands them over), alerts out: rows of
 * the right type and severity with evidence, the server's policy respected, alert e-mails at a
 * real SMTP server, once per server and type per throttle period with later alerts folded in.
 */
describe('database login alerts', () => {
  let t: TestApp;
  let catcher: SmtpCatcher;
  let consumer: LoginEventConsumer;

  const server = async (id: string, policy: Record<string, unknown>) => {
    expect(
      (
        await api(t.url, 'POST', '/api/v1/db-servers', {
          id,
          subscriptionId: 'sub-db',
          name: `pg ${id}`,
          logFormat: 'stderr',
        })
      ).status,
    ).toBe(201);
    const r = await api(t.url, 'PUT', `/api/v1/db-servers/${id}/policy`, policy);
    expect(r.status).toBe(200);
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  const alerts = async (q: string) => (await api(t.url, 'GET', `/api/v1/db-alerts?${q}`)).body as Record<string, any>[];
  const mailsTo = (addr: string) => catcher.received.filter((m) => m.to.includes(addr));

  /** Six wrong passwords of an existing role from `ip` a second apart, then its success. */
  const bruteForce = (serverId: string, ip: string, t0: number, pid0: number): LoginEvent[] => [
    ...Array.from({ length: 6 }, (_, i) =>
      ev(serverId, { kind: 'login-failed', at: t0 + i * 1000, clientIp: ip, sqlState: '28P01', pid: pid0 + i }),
    ),
    ev(serverId, { kind: 'login-ok', at: t0 + 7000, clientIp: ip, pid: pid0 + 7, application: 'psql' }),
  ];

  beforeAll(async () => {
    catcher = await SmtpCatcher.start();
    const dir = mkdtempSync(join(tmpdir(), 'dbalerts-'));
    writeFileSync(join(dir, 'networks.csv'), NETWORKS);
    t = await startTestApp({
      env: {
        SMTP_URL: catcher.url,
        PUBLIC_URL: 'https://safeguards.example',
        DBWATCH_NETWORKS: join(dir, 'networks.csv'),
        DBWATCH_ALERT_THROTTLE: `${THROTTLE_MS / 1000}s`,
      },
    });
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
    consumer = t.app.get<LoginEventConsumer>(LOGIN_EVENT_CONSUMER);
  });
  afterAll(async () => {
    await t?.close();
    await catcher?.stop();
  });

  it('answers 4xx naming the field for bad servers and policies', async () => {
    const bad = await api(t.url, 'POST', '/api/v1/db-servers', {
      id: 'x',
      subscriptionId: 'sub-db',
      name: 'x',
      logFormat: 'syslog',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['logFormat']);
    const noSub = await api(t.url, 'POST', '/api/v1/db-servers', {
      id: 'x',
      subscriptionId: 'nope',
      name: 'x',
      logFormat: 'csvlog',
    });
    expect(noSub.status).toBe(400);
    expect(noSub.body.error.fields[0].field).toBe('subscriptionId');
    await server('pg-fields', { enabled: true });
    const badPolicy = await api(t.url, 'PUT', '/api/v1/db-servers/pg-fields/policy', {
      enabled: true,
      disabledAlertTypes: ['brute-force', 'sql-injection'],
    });
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.fields[0].field).toBe('disabledAlertTypes[1]');
    expect((await api(t.url, 'GET', '/api/v1/db-servers/none/policy')).status).toBe(404);
  });

  it('brute force, brute force using a valid user and its success: three alert types, mailed once each', async () => {
    await server('pg-1', { enabled: true, recipients: ['dba@data.example'], notifySubscriptionContacts: true });
    const t0 = Date.now() - 60_000;
    const events = bruteForce('pg-1', '127.0.0.2', t0, 1000);
    await consumer.consume(
      'pg-1',
      '/var/log/postgresql/pg-1.log',
      events,
      events.map((_, i) => i * 100),
    );

    const list = await alerts('serverId=pg-1');
    expect(list.map((a) => `${a.type}/${a.severity}`).sort()).toEqual([
      'brute-force-success/high',
      'brute-force-valid-user/medium',
      'brute-force/medium',
    ]);
    const bf = list.find((a) => a.type === 'brute-force')!;
    expect(bf).toMatchObject({ sourceIp: '127.0.0.2', user: 'app', state: 'open', count: 1 });
    expect(bf.evidence).toMatchObject({
      threshold: { capacity: 5, leakMs: 10_000 },
      values: { failures: 6, distinctUsers: 1 },
      source: { ip: '127.0.0.2', country: 'DE', asn: 64500, label: 'office' },
    });
    expect(bf.evidence.events).toHaveLength(6);
    expect(bf.evidence.dataAttribution).toContain('CC BY 4.0');

    // One e-mail per type, to the policy's recipient and the subscription's contact.
    await waitFor(() => mailsTo('dba@data.example').length >= 3, 20_000, 'three alert mails');
    const success = mailsTo('dba@data.example').find((m) => /successful brute force/i.test(m.mail.subject ?? ''))!;
    expect(success.to).toEqual(expect.arrayContaining(['dba@data.example', 'owner@data.example']));
    const id = list.find((a) => a.type === 'brute-force-success')!.id;
    for (const part of [success.mail.text!, success.mail.html!]) {
      expect(part).toContain('pg pg-1');
      expect(part).toContain('127.0.0.2');
      expect(part).toContain('country DE');
      expect(part).toContain('AS64500');
      expect(part).toContain('appdb');
      expect(part).toContain(`https://safeguards.example/console/db-alerts/${id}`);
      expect(part).toContain('Rotate the password');
    }
    expect(success.mail.subject).toContain('HIGH');

    // The same lines again (a follower re-reading after a crash): nothing stored or alerted twice.
    await consumer.consume(
      'pg-1',
      '/var/log/postgresql/pg-1.log',
      events,
      events.map((_, i) => i * 100),
    );
    const detail = (await api(t.url, 'GET', `/api/v1/db-alerts/${bf.id}`)).body;
    expect(detail.activity).toHaveLength(7);
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'mailed']);
    expect((await alerts('serverId=pg-1')).map((a) => a.count)).toEqual([1, 1, 1]);
  });

  it("folds repeats into the open alert, and a new source's alert into the next mail after the throttle", async () => {
    const before = mailsTo('dba@data.example').filter((m) =>
      /Suspected brute force attack on/.test(m.mail.subject ?? ''),
    ).length;
    expect(before).toBe(1);
    const t0 = Date.now() - 30_000;
    // Same source again: folds. Another source: a new alert, whose mail waits for the throttle.
    const again = bruteForce('pg-1', '127.0.0.2', t0, 2000).slice(0, 6);
    const other = bruteForce('pg-1', '127.0.0.3', t0, 3000).slice(0, 6);
    await consumer.consume('pg-1', '', [...again, ...other], []);
    const bfs = await alerts('serverId=pg-1&type=brute-force');
    expect(bfs.map((a) => `${a.sourceIp} x${a.count}`).sort()).toEqual(['127.0.0.2 x2', '127.0.0.3 x1']);

    await sleep(1500);
    const bfMails = () =>
      mailsTo('dba@data.example').filter((m) => /Suspected brute force attack on/.test(m.mail.subject ?? ''));
    expect(bfMails()).toHaveLength(1); // throttled
    await waitFor(() => bfMails().length === 2, THROTTLE_MS + 15_000, 'the folded mail after the throttle');
    expect(bfMails()[1].mail.text).toContain('127.0.0.3');
    await sleep(1000);
    expect(bfMails()).toHaveLength(2);
  });

  it('respects the policy: off, type switched off, minimum severity', async () => {
    await server('pg-off', { enabled: false, recipients: ['dba@data.example'] });
    await server('pg-high', {
      enabled: true,
      recipients: ['high@data.example'],
      notifySubscriptionContacts: false,
      minSeverity: 'high',
    });
    await server('pg-types', { enabled: true, disabledAlertTypes: ['brute-force', 'brute-force-success'] });
    const t0 = Date.now() - 20_000;
    for (const id of ['pg-off', 'pg-high', 'pg-types']) {
      const events = bruteForce(id, '127.0.0.2', t0, 5000);
      await consumer.consume(id, '', events, []);
    }
    expect(await alerts('serverId=pg-off')).toEqual([]);
    expect((await alerts('serverId=pg-high')).map((a) => a.type)).toEqual(['brute-force-success']);
    expect((await alerts('serverId=pg-types')).map((a) => a.type)).toEqual(['brute-force-valid-user']);
    const mail = await waitFor(() => mailsTo('high@data.example')[0], 20_000, 'mail of pg-high');
    expect(mail.to).toEqual(['high@data.example']);
  });

  it('after a learning period replayed from older lines: new principal, country and network', async () => {
    await server('pg-base', { enabled: true, recipients: ['base@data.example'] });
    const now = Date.now();
    const old = Array.from({ length: 10 }, (_, d) =>
      ev('pg-base', { kind: 'login-ok', at: now - (10 - d) * DAY, clientIp: '127.0.0.2', pid: 7000 + d }),
    );
    await consumer.consume('pg-base', '', old, []);
    expect(await alerts('serverId=pg-base')).toEqual([]);
    await consumer.consume(
      'pg-base',
      '',
      [ev('pg-base', { kind: 'login-ok', at: now - 1000, clientIp: '127.0.0.3', pid: 1 })],
      [],
    );
    expect(await alerts('serverId=pg-base')).toEqual([]); // same country and network, known user
    await consumer.consume(
      'pg-base',
      '',
      [
        ev('pg-base', {
          kind: 'login-ok',
          at: now,
          clientIp: '127.0.0.4',
          user: 'intruder',
          application: 'sqlmap/1.8',
          pid: 2,
        }),
      ],
      [],
    );
    const list = await alerts('serverId=pg-base');
    expect(list.map((a) => `${a.type}/${a.severity}`).sort()).toEqual([
      'harmful-application/high',
      'unfamiliar-principal/low',
      'unusual-location/medium',
      'unusual-network/low',
    ]);
    const loc = list.find((a) => a.type === 'unusual-location')!;
    expect(loc.evidence.values).toMatchObject({ country: 'BR', knownValues: ['DE'] });
  });

  it('each role starts alone: the collector analyses, the worker mails', async () => {
    await server('pg-roles', { enabled: true, recipients: ['roles@data.example'], notifySubscriptionContacts: false });
    const collector = await startTestApp({
      roles: ['collector'],
      databaseUrl: t.databaseUrl,
      env: { SMTP_URL: catcher.url },
    });
    const worker = await startTestApp({
      roles: ['worker'],
      databaseUrl: t.databaseUrl,
      env: { SMTP_URL: catcher.url },
    });
    try {
      const c = collector.app.get<LoginEventConsumer>(LOGIN_EVENT_CONSUMER);
      await c.consume('pg-roles', '', bruteForce('pg-roles', '127.0.0.5', Date.now() - 5000, 4000).slice(0, 6), []);
      expect((await alerts('serverId=pg-roles')).map((a) => a.type).sort()).toEqual([
        'brute-force',
        'brute-force-valid-user',
      ]);
      await waitFor(() => mailsTo('roles@data.example').length === 2, 20_000, 'two mails of pg-roles');

      // Two ingesting processes, each with its baselines in memory: a principal the collector
      // stored as seen is not unfamiliar to the api process either (which loaded pg-split before).
      await server('pg-split', { enabled: true });
      const now = Date.now();
      await consumer.consume('pg-split', '', [ev('pg-split', { kind: 'login-ok', at: now - 10 * DAY })], []);
      await c.consume('pg-split', '', [ev('pg-split', { kind: 'login-ok', at: now - 2 * 3_600_000, user: 'ops' })], []);
      await consumer.consume(
        'pg-split',
        '',
        [ev('pg-split', { kind: 'login-ok', at: now - 3_600_000, user: 'ops' })],
        [],
      );
      expect((await alerts('serverId=pg-split')).map((a) => `${a.type} ${a.user} x${a.count}`)).toEqual([
        'unfamiliar-principal ops x1',
      ]);
    } finally {
      await collector.close();
      await worker.close();
    }
  });

  it('keeps login events in daily partitions and drops whole days older than the window', async () => {
    await server('pg-old', { enabled: false });
    const repo = t.app.get(LoginEventRepository);
    const threeDaysAgo = Date.now() - 3 * DAY;
    const events = [
      ev('pg-old', { kind: 'connect', at: threeDaysAgo }),
      ev('pg-old', { kind: 'connect', at: Date.now() }),
    ];
    await consumer.consume('pg-old', '', events, []);
    const count = async () =>
      (await repo.between('pg-old', new Date(threeDaysAgo - DAY), new Date(Date.now() + DAY), 100)).length;
    expect(await count()).toBe(2);
    const dropped = await repo.dropBefore(new Date(Date.now() - 2 * DAY));
    const day = new Date(threeDaysAgo).toISOString().slice(0, 10).replace(/-/g, '');
    expect(dropped).toContain(`db_login_events_${day}`);
    expect(await count()).toBe(1);
    // A day written again after its drop gets its partition back.
    await consumer.consume('pg-old', '', [ev('pg-old', { kind: 'connect', at: threeDaysAgo + 1 })], []);
    expect(await count()).toBe(2);
    // Removing the server removes its events too.
    expect((await api(t.url, 'DELETE', '/api/v1/db-servers/pg-old')).status).toBe(204);
    expect(await count()).toBe(0);
    expect((await api(t.url, 'GET', '/api/v1/db-servers/pg-old')).status).toBe(404);
    // An upload retried with the same file and offset stores nothing twice.
    await server('pg-retry', { enabled: false });
    const upload = () =>
      fetch(`${t.url}/api/v1/db-servers/pg-retry/logs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'text/plain',
          'x-log-source': 'postgresql-16-main.log',
          'x-log-offset': '4096',
        },
        // The fixture's lines moved to today, so they stay inside the baseline window.
        body: readFileSync(join(__dirname, '../fixtures/dbwatch/stderr-debian.log'), 'utf8').replaceAll(
          '2026-12-06',
          new Date().toISOString().slice(0, 10),
        ),
      });
    const stored = async () =>
      (await repo.between('pg-retry', new Date(0), new Date(Date.now() + DAY), 10_000)).length;
    expect((await upload()).status).toBe(202);
    const once = await stored();
    expect(once).toBeGreaterThan(0);
    expect((await upload()).status).toBe(202);
    expect(await stored()).toBe(once);
    // A mail job still queued for the deleted server finishes with nothing to do, not a retried error.
    await expect(t.app.get(AlertMailer).mail('pg-old', 'brute-force')).resolves.toEqual({ outcome: 'server-gone' });
  });

  it('dismiss and resolve with a timeline; suppression rules dismiss matching alerts and can be simulated', async () => {
    const [a] = await alerts('serverId=pg-base&type=unusual-location');
    const dismissed = await api(t.url, 'POST', `/api/v1/db-alerts/${a.id}/dismiss`, { reason: 'travelling developer' });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.state).toBe('dismissed');
    const again = await api(t.url, 'POST', `/api/v1/db-alerts/${a.id}/resolve`, {});
    expect(again.status).toBe(409);
    expect((await alerts('serverId=pg-base&state=dismissed')).map((x) => x.id)).toEqual([a.id]);
    const detail = (await api(t.url, 'GET', `/api/v1/db-alerts/${a.id}`)).body;
    expect(detail.timeline.at(-1)).toMatchObject({ kind: 'dismissed', note: 'travelling developer' });
    expect(detail.activity.length).toBeGreaterThanOrEqual(2);

    const rule = { serverId: 'pg-1', alertType: 'brute-force', sourceCidr: '127.0.0.0/24' };
    const sim = await api(t.url, 'POST', '/api/v1/db-alert-suppressions/simulate', rule);
    expect(sim.body.matched).toBe(2);
    const bad = await api(t.url, 'POST', '/api/v1/db-alert-suppressions', {
      ...rule,
      sourceCidr: 'ten/8',
      reason: 'x',
    });
    expect(bad.body.error.fields[0].field).toBe('sourceCidr');
    const noServer = await api(t.url, 'POST', '/api/v1/db-alert-suppressions', {
      ...rule,
      serverId: 'pg-x',
      reason: 'x',
    });
    expect([noServer.status, noServer.body.error.fields[0].field]).toEqual([400, 'serverId']);
    // Host bits are cleared: 127.0.0.77/24 is stored as 127.0.0.0/24.
    const created = await api(t.url, 'POST', '/api/v1/db-alert-suppressions', {
      ...rule,
      sourceCidr: '127.0.0.77/24',
      reason: 'pen test',
    });
    expect([created.status, created.body.sourceCidr]).toEqual([201, '127.0.0.0/24']);
    const t0 = Date.now() - 10_000;
    await consumer.consume('pg-1', '', bruteForce('pg-1', '127.0.0.9', t0, 9000).slice(0, 6), []);
    const s = (await alerts('serverId=pg-1&type=brute-force')).find((x) => x.sourceIp === '127.0.0.9')!;
    expect(s.state).toBe('dismissed');
    expect(s.suppressedBy).toBeTruthy();
  });
});

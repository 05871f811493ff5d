import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { LoginEventOutlet, type LoginEvent } from '@sg/dbwatch';
import { api, startTestApp, type TestApp } from '../support/test-app';

const FIXTURES = join(__dirname, '../fixtures/dbwatch');
const fixture = (f: string) => readFileSync(join(FIXTURES, f));

describe('POST /api/v1/db-servers/:id/logs', () => {
  let t: TestApp;
  let token: string;
  const got: { serverId: string; source: string; events: LoginEvent[]; offsets: number[] }[] = [];
  const events = () => got.flatMap((g) => g.events);

  beforeAll(async () => {
    t = await startTestApp({ roles: ['api'] });
    await api(t.url, 'POST', '/api/v1/inventory/import', {
      subscriptions: [{ id: 's1', name: 'S1', contacts: ['dba@s1.example'] }],
      deployments: [],
      vms: [],
    });
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    await db.query(
      `INSERT INTO db_servers (id, subscription_id, name, log_format, log_line_prefix) VALUES
         ('pg-debian', 's1', 'debian', 'stderr', NULL),
         ('pg-session', 's1', 'session', 'stderr', '%t-%c-'),
         ('pg-csv', 's1', 'csv', 'csvlog', NULL),
         ('pg-json', 's1', 'json', 'jsonlog', NULL)`,
    );
    await db.end();
    token = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
    // Stand in for analysis: record what ingestion hands over.
    t.app.get(LoginEventOutlet).consumer = {
      consume: async (serverId, source, evs, offsets) => {
        got.push({ serverId, source, events: [...evs], offsets: [...offsets] });
      },
    };
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    got.length = 0;
  });

  interface Answer {
    accepted: number;
    rejected: number;
    errors: { line: number; reason: string }[];
    events: number;
    error?: { code: string };
  }
  const answerOf = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

  const post = (id: string, body: Buffer | string, headers: Record<string, string>, auth = token) =>
    fetch(`${t.url}/api/v1/db-servers/${id}/logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, ...headers },
      body,
    });

  it('reads a stderr log as the server wrote it and hands over its login events', async () => {
    const res = await post('pg-debian', fixture('stderr-debian.log'), { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
    const answer = await answerOf(res);
    expect(answer).toMatchObject({ rejected: 0, errors: [], events: 49 });
    expect(answer.accepted).toBeGreaterThan(60);
    expect(events()).toHaveLength(49);
    expect(got.every((g) => g.serverId === 'pg-debian' && g.source === '')).toBe(true);
    const bad = events().filter((e) => e.kind === 'login-failed' && e.invalidUser);
    expect(bad.map((e) => [e.user, e.clientIp])).toEqual([
      ['mallory', '127.0.0.4'],
      ['versionprobe', '127.0.0.4'],
      ['admin', '127.0.0.4'],
    ]);
    expect(events().find((e) => e.application.startsWith('sqlmap'))?.clientIp).toBe('127.0.0.6');
    const metrics = (await api(t.url, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/safeguards_dbwatch_login_events_total\{kind="login-failed"[^}]*\} 5\b/);
    expect(metrics).toMatch(/safeguards_dbwatch_log_records_total\{outcome="accepted"[^}]*\} 71\b/);
  });

  it('hands each event over under its file offset when the upload names its file and offset', async () => {
    const log = fixture('stderr-debian.log');
    const whole = async (headers: Record<string, string>) => {
      got.length = 0;
      expect((await post('pg-debian', log, { 'content-type': 'text/plain', ...headers })).status).toBe(202);
      return got.flatMap((g) => g.offsets.map((o, i) => ({ source: g.source, o, kind: g.events[i].kind })));
    };
    const plain = await whole({ 'x-log-source': 'postgresql-16-main.log' });
    const later = await whole({ 'x-log-source': 'postgresql-16-main.log', 'x-log-offset': '1000000' });
    expect(plain).toHaveLength(49);
    expect(plain.every((e) => e.source === 'postgresql-16-main.log')).toBe(true);
    // Offsets are byte offsets of the file: increasing, inside the body, moved by the stated start.
    expect(plain.every((e, i) => e.o >= 0 && e.o < log.length && (i === 0 || e.o >= plain[i - 1].o))).toBe(true);
    expect(later.map((e) => e.o - 1_000_000)).toEqual(plain.map((e) => e.o));

    const bad = async (headers: Record<string, string>) => {
      const res = await post('pg-debian', log, { 'content-type': 'text/plain', ...headers });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { fields: { field: string }[] } }).error.fields[0].field;
    };
    expect(await bad({ 'x-log-offset': '10' })).toBe('X-Log-Offset');
    expect(await bad({ 'x-log-source': 'a.log', 'x-log-offset': '-1' })).toBe('X-Log-Offset');
    expect(await bad({ 'x-log-source': 'x'.repeat(513) })).toBe('X-Log-Source');
  });

  it("uses the server's own line prefix, and takes gzip csvlog and jsonlog", async () => {
    expect((await post('pg-session', fixture('stderr-session.log'), { 'content-type': 'text/plain' })).status).toBe(
      202,
    );
    const gz = { 'content-type': 'text/csv', 'content-encoding': 'gzip' };
    const csv = await answerOf(await post('pg-csv', gzipSync(fixture('postgresql.csv')), gz));
    const json = await answerOf(
      await post('pg-json', gzipSync(fixture('postgresql.json')), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      }),
    );
    expect([csv.rejected, json.rejected, csv.events, json.events]).toEqual([0, 0, 49, 49]);
    const byServer = (id: string) => got.filter((g) => g.serverId === id).flatMap((g) => g.events);
    for (const id of ['pg-session', 'pg-csv', 'pg-json']) {
      expect(
        byServer(id)
          .filter((e) => e.kind === 'hba-rejected')
          .map((e) => e.clientIp),
      ).toEqual(['127.0.1.5']);
    }
  });

  it('counts hostile lines as rejected, names them, and keeps the good ones', async () => {
    const body = Buffer.concat([
      Buffer.from('garbage that matches no prefix\n'),
      Buffer.from([0xff, 0x00, 0x1b, 0x5b, 10]),
      Buffer.from('2026-12-06 01:19:35.286 UTC [1] x@y LOG:  '),
      Buffer.alloc(10 * 1024 * 1024, 0x61),
      Buffer.from('\n'),
      fixture('stderr-debian.log'),
    ]);
    const answer = await answerOf(
      await post('pg-debian', gzipSync(body), { 'content-type': 'text/plain', 'content-encoding': 'gzip' }),
    );
    expect(answer.rejected).toBe(3);
    expect(answer.errors).toEqual([
      { line: 1, reason: 'prefix-mismatch' },
      { line: 2, reason: 'prefix-mismatch' },
      { line: 3, reason: 'line-too-long' },
    ]);
    expect(answer.events).toBe(49);
    expect(events()).toHaveLength(49);
  });

  it('reports a truncated gzip body and keeps what was read', async () => {
    const gz = gzipSync(fixture('stderr-debian.log'));
    const answer = await answerOf(
      await post('pg-debian', gz.subarray(0, Math.floor(gz.length * 0.8)), {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
      }),
    );
    expect(answer.errors[answer.errors.length - 1].reason).toMatch(/^body: /);
    expect(answer.events).toBeGreaterThan(10);
    expect(answer.events).toBeLessThan(49);
    expect(events()).toHaveLength(answer.events);
  });

  it('answers 404 for an unknown server, 415 for an unsupported type or encoding, 403 for a wrong role', async () => {
    const nf = await post('no-such-server', 'x', { 'content-type': 'text/plain' });
    expect(nf.status).toBe(404);
    expect((await answerOf(nf)).error?.code).toBe('not_found');
    expect((await post('pg-debian', 'x', { 'content-type': 'image/png' })).status).toBe(415);
    expect((await post('pg-debian', 'x', { 'content-type': 'text/plain', 'content-encoding': 'br' })).status).toBe(415);
    const responder = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'r', role: 'responder' })).body.token;
    expect((await post('pg-debian', 'x', { 'content-type': 'text/plain' }, responder)).status).toBe(403);
    expect(events()).toHaveLength(0);
  });
});

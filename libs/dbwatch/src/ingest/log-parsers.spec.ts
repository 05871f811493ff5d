import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyLoginEvent, type LoginEvent } from '../events/login-event';
import type { FixtureLogin } from '../../../../test/fixtures/dbwatch/generate';
import type { DbLogFormat } from '../servers/db-server.entity';
import { createLogParser } from './create-log-parser';
import { LINE_PREFIX_PRESETS } from './line-prefix';
import type { LogIngestResult, LogParserOptions } from './log-parser';
import { parsePgTimestamp } from './pg-time';

const FIXTURES = join(__dirname, '../../../../test/fixtures/dbwatch');
const EXPECTED: FixtureLogin[] = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')).logins;

interface Parsed {
  events: LoginEvent[];
  offsets: number[];
  result: LogIngestResult;
}

function parse(
  data: Buffer,
  format: DbLogFormat,
  prefix: string | null = null,
  chunk = data.length,
  options: LogParserOptions = {},
): Parsed {
  const events: LoginEvent[] = [];
  const offsets: number[] = [];
  const p = createLogParser(
    'srv-1',
    format,
    prefix,
    {
      onEvent: (e, off) => {
        events.push(copyLoginEvent(e));
        offsets.push(off);
      },
    },
    options,
  );
  for (let i = 0; i < data.length; i += chunk) p.write(data.subarray(i, i + chunk));
  return { events, offsets, result: p.end() };
}

const CASES: { file: string; format: DbLogFormat; prefix: string | null; failureDb: boolean }[] = [
  { file: 'stderr-debian.log', format: 'stderr', prefix: LINE_PREFIX_PRESETS.debian, failureDb: true },
  { file: 'stderr-session.log', format: 'stderr', prefix: LINE_PREFIX_PRESETS.session, failureDb: false },
  { file: 'stderr-remote.log', format: 'stderr', prefix: LINE_PREFIX_PRESETS.remote, failureDb: true },
  { file: 'postgresql.csv', format: 'csvlog', prefix: null, failureDb: true },
  { file: 'postgresql.json', format: 'jsonlog', prefix: null, failureDb: true },
];

describe('PostgreSQL 15 log parsers on logs written by a real server', () => {
  describe.each(CASES)('$file', ({ file, format, prefix, failureDb }) => {
    const data = readFileSync(join(FIXTURES, file));
    const whole = parse(data, format, prefix);

    it('reads every record, rejects none', () => {
      expect(whole.result.rejected).toBe(0);
      expect(whole.result.errors).toEqual([]);
      expect(whole.result.accepted).toBeGreaterThan(50);
    });

    it('turns each TCP login into the expected event, with the client address joined', () => {
      const logins = whole.events.filter((e) => e.kind !== 'connect' && e.kind !== 'disconnect' && e.clientIp);
      expect(logins).toHaveLength(EXPECTED.length);
      logins.forEach((e, i) => {
        const x = EXPECTED[i];
        const named = x.kind === 'hba-rejected' || x.kind === 'login-ok' || failureDb;
        expect({
          kind: e.kind,
          ip: e.clientIp,
          user: e.user,
          database: e.database,
          application: e.application,
          sqlState: e.sqlState,
          invalidUser: e.invalidUser,
        }).toEqual({ ...x, database: named ? x.database : '' });
        expect(e.serverId).toBe('srv-1');
        expect(e.clientPort).toBeGreaterThan(1023);
        expect(e.authMethod).toBe(x.kind === 'hba-rejected' ? '' : 'scram-sha-256');
        expect(e.at).toBeGreaterThan(Date.UTC(2026, 0, 1));
        if (prefix === LINE_PREFIX_PRESETS.session) {
          expect(e.sessionId).toMatch(/^[0-9a-f]+\.[0-9a-f]+$/);
        } else expect(e.pid).toBeGreaterThan(0);
      });
    });

    it('pairs connections: every received connection ends in a login line or a failure', () => {
      const count = (k: string) => whole.events.filter((e) => e.kind === k).length;
      expect(count('connect')).toBe(count('login-ok') + count('login-failed') + count('hba-rejected') + 1);
      // (+1: the first local connection of pg_createcluster's start-up check never authenticates)
      const disc = whole.events.filter((e) => e.kind === 'disconnect' && e.clientIp === '127.0.0.6');
      expect(disc).toHaveLength(1);
      expect(disc[0].user).toBe('alice');
      expect(disc[0].sessionMs).toBeGreaterThanOrEqual(0);
    });

    it('gives the same events and offsets however the bytes are chunked', () => {
      for (const chunk of [1, 7, 100, 4096]) {
        const again = parse(data, format, prefix, chunk);
        expect(again.events).toEqual(whole.events);
        expect(again.offsets).toEqual(whole.offsets);
        expect(again.result).toEqual(whole.result);
      }
    });

    it("gives each event the byte offset of its record's first line", () => {
      const at = whole.offsets.map((o) => data.subarray(o, o + 30).toString('latin1'));
      for (const s of at) expect(s).toMatch(/^(\{"timestamp":"|)\d{4}-\d\d-\d\d/);
      expect([...whole.offsets].sort((a, b) => a - b)).toEqual(whole.offsets);
    });
  });

  it('the failure of a stderr log waits for its DETAIL and says where to resume before it', () => {
    const text = readFileSync(join(FIXTURES, 'stderr-debian.log'), 'latin1');
    const cut = text.indexOf('FATAL:  password authentication failed for user "mallory"');
    const lineEnd = text.indexOf('\n', cut) + 1;
    const events: string[] = [];
    const p = createLogParser('s', 'stderr', null, { onEvent: (e) => events.push(e.kind + ':' + e.user) });
    p.write(Buffer.from(text.slice(0, lineEnd), 'latin1'));
    expect(events[events.length - 1]).toBe('connect:');
    expect(p.consumed).toBe(Buffer.byteLength(text.slice(0, lineEnd), 'latin1'));
    expect(p.resumeOffset).toBe(text.lastIndexOf('\n', cut) + 1);
    p.write(Buffer.from(text.slice(lineEnd), 'latin1'));
    p.end();
    expect(events).toContain('login-failed:mallory');
  });
});

describe('hostile input is counted as rejected and changes nothing else', () => {
  const good = readFileSync(join(FIXTURES, 'stderr-debian.log'));
  const baseline = parse(good, 'stderr');

  it('a 10 MB line, binary bytes and lines that do not match the prefix', () => {
    const hostile = Buffer.concat([
      Buffer.from('2026-12-06 01:19:33.000 UTC [1] LOG:  ', 'latin1'),
      Buffer.alloc(10 * 1024 * 1024, 0x41),
      Buffer.from('\n'),
      Buffer.from([0, 1, 2, 255, 254, 10]),
      Buffer.from('this line has no prefix\n2026-12-06 [x] LOG:  connection received: host=1.2.3.4 port=5\n'),
    ]);
    for (const chunk of [65536, 1 << 20]) {
      const r = parse(Buffer.concat([hostile, good, hostile]), 'stderr', null, chunk);
      expect(r.result.rejected).toBe(8);
      expect(r.result.errors.map((x) => x.reason)).toEqual([
        'line-too-long',
        'prefix-mismatch',
        'prefix-mismatch',
        'prefix-mismatch',
        'line-too-long',
        'prefix-mismatch',
        'prefix-mismatch',
        'prefix-mismatch',
      ]);
      expect(r.result.errors[1].line).toBe(2);
      expect(r.events.map(({ at: _at, ...e }) => e)).toEqual(baseline.events.map(({ at: _at, ...e }) => e));
    }
  });

  it('carries a long record across small chunks (the carry grows to it) and reads on after it', () => {
    const long = Buffer.concat([
      Buffer.from('2026-12-06 01:19:33.000 UTC [1] postgres@postgres LOG:  statement: SELECT \'', 'latin1'),
      Buffer.alloc(200 * 1024, 0x41),
      Buffer.from("'\n"),
    ]);
    for (const chunk of [1000, 4097, 65536]) {
      const r = parse(Buffer.concat([long, good, long]), 'stderr', null, chunk);
      expect([chunk, r.result.rejected]).toEqual([chunk, 0]);
      expect(r.events.map(({ at: _at, ...e }) => e)).toEqual(baseline.events.map(({ at: _at, ...e }) => e));
    }
  });

  it('csvlog and jsonlog parsers of several logs fed in turn (one shared scratch) keep their records apart', () => {
    for (const [file, format] of [
      ['postgresql.csv', 'csvlog'],
      ['postgresql.json', 'jsonlog'],
    ] as const) {
      const data = readFileSync(join(FIXTURES, file));
      const alone = parse(data, format);
      const got: LoginEvent[][] = [[], [], []];
      const parsers = got.map((list) =>
        createLogParser('srv-1', format, null, { onEvent: (e) => void list.push(copyLoginEvent(e)) }),
      );
      // Each parser is fed the log in chunks of its own size, in turn, so their partial records
      // differ at every turn.
      const size = [97, 89, 131];
      const pos = [0, 0, 0];
      while (pos.some((x) => x < data.length)) {
        parsers.forEach((p, k) => {
          if (pos[k] >= data.length) return;
          p.write(data.subarray(pos[k], pos[k] + size[k]));
          pos[k] += size[k];
        });
      }
      parsers.forEach((p) => p.end());
      expect(alone.events.length).toBeGreaterThan(5);
      for (const list of got) expect(list).toEqual(alone.events);
    }
  });

  it('csvlog: a row with broken quoting costs only itself', () => {
    const csv = readFileSync(join(FIXTURES, 'postgresql.csv'));
    const clean = parse(csv, 'csvlog');
    const broken = Buffer.concat([
      Buffer.from(
        '2026-12-06 01:19:56.000 UTC,"alice,"shop",1,"1.2.3.4:5",x,1,"",x,,0,FATAL,28P01,"password authentication failed for user ""eve\n',
      ),
      csv,
      Buffer.from('not,csv"\n2026-12-06 01:19:56.000 UTC,,,1\n'),
    ]);
    const r = parse(broken, 'csvlog', null, 333);
    expect(r.result.rejected).toBe(3);
    expect(r.events).toEqual(clean.events);
  });

  it('jsonlog: broken objects are rejected, the rest is read', () => {
    const json = readFileSync(join(FIXTURES, 'postgresql.json'));
    const clean = parse(json, 'jsonlog');
    const broken = Buffer.concat([
      Buffer.from('{"timestamp":"2026-12-06 01:20:01.466 UTC","pid":1,"message":"x\n'),
      Buffer.from('{"timestamp":"2026-12-06 01:20:01.466 UTC","pid":"1\\q","message":"x"}\n[1,2]\n{}\n'),
      json,
      Buffer.from('{"timestamp":"2026-12-06 01:20:01.466 UTC"} trailing\n'),
    ]);
    const r = parse(broken, 'jsonlog', null, 101);
    expect(r.result.rejected).toBe(5);
    expect(r.events).toEqual(clean.events);
  });
});

describe('mangled logs never crash a parser', () => {
  let seed = 13;
  const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  it.each(CASES)('$file with random bytes flipped, cut and inserted', ({ file, format, prefix }) => {
    const clean = readFileSync(join(FIXTURES, file));
    for (let round = 0; round < 40; round++) {
      const b = Buffer.from(clean);
      for (let k = 0; k < 30; k++) b[rnd(b.length)] = rnd(256);
      const cut = rnd(b.length);
      const data = Buffer.concat([
        b.subarray(0, cut),
        Buffer.from([34, 10, 9, 92, 0, 123]),
        b.subarray(cut + rnd(200)),
      ]);
      const r = parse(data, format, prefix, 1 + rnd(5000));
      expect(r.result.accepted + r.result.rejected).toBeGreaterThan(0);
      for (const e of r.events) {
        expect(typeof e.user).toBe('string');
        expect(Number.isFinite(e.at)).toBe(true);
      }
    }
  });
});

describe('joining', () => {
  const line = (pid: number, msg: string, sev = 'LOG') =>
    `2026-12-06 10:00:00.000 UTC [${pid}] [unknown]@[unknown] ${sev}:  ${msg}\n`;

  it('remembers at most maxOpenConnections, forgetting the oldest (counted)', () => {
    const text =
      line(1, 'connection received: host=10.0.0.1 port=1') +
      line(2, 'connection received: host=10.0.0.2 port=2') +
      line(3, 'connection received: host=10.0.0.3 port=3') +
      line(1, 'connection authorized: user=a database=d') +
      line(3, 'connection authorized: user=c database=d');
    const events: LoginEvent[] = [];
    const p = createLogParser(
      's',
      'stderr',
      null,
      { onEvent: (e) => events.push(copyLoginEvent(e)) },
      { maxOpenConnections: 2 },
    );
    p.write(Buffer.from(text));
    p.end();
    const ok = events.filter((e) => e.kind === 'login-ok');
    expect(ok.map((e) => [e.user, e.clientIp])).toEqual([
      ['a', ''],
      ['c', '10.0.0.3'],
    ]);
    expect(p.joiner.stats.evicted).toBe(1);
    expect(p.joiner.openCount).toBe(1);
  });

  it('forgets connections that never logged in within the longest authentication_timeout', () => {
    const at = (min: number, pid: number, msg: string) =>
      `2026-12-06 10:${String(min).padStart(2, '0')}:00.000 UTC [${pid}] [unknown]@[unknown] LOG:  ${msg}\n`;
    const text =
      at(0, 1, 'connection received: host=10.0.0.1 port=1') +
      at(5, 2, 'connection received: host=10.0.0.2 port=2') +
      at(11, 3, 'connection received: host=10.0.0.3 port=3');
    const p = createLogParser('s', 'stderr', null, { onEvent: () => undefined });
    p.write(Buffer.from(text));
    expect(p.joiner.stats.expired).toBe(1);
    expect(p.joiner.openConnections().map((c) => c.ip)).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('reads application_name before an SSL suffix, and walsender logins without a database', () => {
    const text =
      line(7, 'connection received: host=2001:db8::5 port=5432') +
      line(
        7,
        'connection authorized: user=app database=shop application_name=my tool 1.0 SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)',
      ) +
      line(8, 'replication connection authorized: user=repl application_name=walreceiver');
    const events: LoginEvent[] = [];
    const p = createLogParser('s', 'stderr', null, { onEvent: (e) => events.push(copyLoginEvent(e)) });
    p.write(Buffer.from(text));
    p.end();
    const ok = events.filter((e) => e.kind === 'login-ok');
    expect(ok.map((e) => [e.user, e.database, e.application, e.clientIp])).toEqual([
      ['app', 'shop', 'my tool 1.0', '2001:db8::5'],
      ['repl', '', 'walreceiver', ''],
    ]);
  });

  it('takes other authentication failures and the verbose SQLSTATE form', () => {
    const text =
      line(9, 'connection received: host=10.0.0.9 port=9') +
      line(9, '28000: Ident authentication failed for user "x"', 'FATAL') +
      line(10, 'connection received: host=10.0.0.10 port=10') +
      line(
        10,
        'pg_hba.conf rejects connection for host "10.0.0.10", user "root", database "postgres", no encryption',
        'FATAL',
      );
    const events: LoginEvent[] = [];
    const p = createLogParser('s', 'stderr', null, { onEvent: (e) => events.push(copyLoginEvent(e)) });
    p.write(Buffer.from(text));
    p.end();
    expect(
      events.filter((e) => e.kind !== 'connect').map((e) => [e.kind, e.user, e.database, e.sqlState, e.clientIp]),
    ).toEqual([
      ['login-failed', 'x', '', '28000', '10.0.0.9'],
      ['hba-rejected', 'root', 'postgres', '28000', '10.0.0.10'],
    ]);
  });
});

describe('parsePgTimestamp', () => {
  const t = (s: string) => parsePgTimestamp(Buffer.from(s), 0, s.length);
  it('reads %m and %t with named and numeric zones', () => {
    expect(t('2026-12-06 01:19:35.286 UTC')).toBe(Date.UTC(2026, 11, 6, 1, 19, 35, 286));
    expect(t('2026-12-06 01:19:35 GMT')).toBe(Date.UTC(2026, 11, 6, 1, 19, 35));
    expect(t('2026-12-06 04:19:35.5 +03')).toBe(Date.UTC(2026, 11, 6, 1, 19, 35, 500));
    expect(t('2026-12-05 20:49:35 -04:30')).toBe(Date.UTC(2026, 11, 6, 1, 19, 35));
    expect(t('2026-07-01 12:00:00 CEST')).toBe(Date.UTC(2026, 6, 1, 10));
    expect(t('2024-02-29 00:00:00 UTC')).toBe(Date.UTC(2024, 1, 29));
    expect(t('2026-13-06 01:19:35 UTC')).toBeNaN();
    expect(t('not a time at all, no')).toBeNaN();
  });
});

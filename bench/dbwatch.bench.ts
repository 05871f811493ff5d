/**
 * Log lines per second through parsing and joining (libs/dbwatch/src/ingest) on one core, for the
 * three PostgreSQL log formats, events landing in a sink that only counts them; and again with
 * every event through all login detectors (libs/dbwatch/src/analysis, `lines/s with detectors`).
 *
 * The logs are generated in memory first, shaped like the fixtures a real PostgreSQL 15 wrote
 * (test/fixtures/dbwatch): per connection `connection received`, `connection authenticated`,
 * `connection authorized` (some with application_name) and `disconnection`, some statements with
 * ERROR/STATEMENT and TAB continuation lines, and password failures with DETAIL (some for unknown
 * roles). They are parsed in 64 KB chunks; the best of RUNS is reported, with the heap growth.
 * Target: >= 500,000 stderr lines/s. Last, memory per monitored server while one process follows
 * BENCH_FOLLOWED (10,000) logs. Prints tables, then one JSON line.
 *
 *   npm run bench:dbwatch [-- runs]
 */
import type { DbLogFormat, LoginEvent } from '@sg/dbwatch';
import { createLogParser } from '../libs/dbwatch/src/ingest/create-log-parser';
import { MAX_RECORD_BYTES } from '../libs/dbwatch/src/ingest/log-parser';
import { DEFAULT_DETECTOR_CONFIG } from '../libs/dbwatch/src/analysis/detector-config';
import { loadIpEnrichment } from '../libs/dbwatch/src/analysis/ip-enrichment';
import { LoginDetector } from '../libs/dbwatch/src/analysis/login-detector';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFollower } from '../libs/dbwatch/src/ingest/log-follower';
import { LogPositionStore } from '../libs/dbwatch/src/ingest/log-position.store';
import { SHARED_READ_BUFFERS } from '../libs/dbwatch/src/ingest/read-buffers';
import { benchSize } from './bench-size';

const RUNS = Number(process.argv[2] ?? benchSize(3, 1));
const CHUNK = 64 * 1024;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? benchSize(250_000, 5_000));
const T0 = Date.UTC(2026, 11, 6, 0, 0, 0);
/** Followed logs for the memory-per-server figure (one open file each: needs `ulimit -n` above it). */
const FOLLOWED = Number(process.env.BENCH_FOLLOWED ?? benchSize(10_000, 200));

let seed = 20261206;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = (n: number): number => Math.floor(rnd() * n);

interface Line {
  at: number;
  pid: number;
  host: string;
  port: number;
  user: string;
  db: string;
  sev: string;
  state: string;
  msg: string;
  detail?: string;
}

/** The logical log: one list of entries, rendered below in each format. */
function entries(): Line[] {
  const out: Line[] = [];
  const users = ['app', 'report', 'alice', 'bob', 'etl'];
  const apps = ['', 'psql', 'PostgreSQL JDBC Driver', 'pgAdmin 4 - DB:shop', ''];
  for (let k = 0; k < CONNECTIONS; k++) {
    const at = T0 + k * 3;
    const pid = 10000 + (k % 30000);
    const host = `10.${pick(256)}.${pick(256)}.${1 + pick(254)}`;
    const port = 1024 + pick(60000);
    const user = users[pick(users.length)];
    const db = 'shop';
    const base = { pid, host, port, user, db, state: '00000' };
    out.push({ ...base, at, user: '', db: '', sev: 'LOG', msg: `connection received: host=${host} port=${port}` });
    if (k % 10 === 9) {
      const unknown = k % 20 === 19;
      const u = unknown ? `user${pick(1000)}` : user;
      out.push({
        ...base,
        at: at + 1,
        user: u,
        sev: 'FATAL',
        state: '28P01',
        msg: `password authentication failed for user "${u}"`,
        detail:
          (unknown ? `Role "${u}" does not exist.\n` : '') +
          'Connection matched pg_hba.conf line 99: "host all all 0.0.0.0/0 scram-sha-256"',
      });
      continue;
    }
    out.push({
      ...base,
      at: at + 1,
      sev: 'LOG',
      msg: `connection authenticated: identity="${user}" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:99)`,
    });
    const app = apps[pick(apps.length)];
    out.push({
      ...base,
      at: at + 1,
      sev: 'LOG',
      msg: `connection authorized: user=${user} database=${db}${app ? ` application_name=${app}` : ''}`,
    });
    if (k % 5 === 0) {
      out.push({
        ...base,
        at: at + 2,
        sev: 'ERROR',
        state: '42P01',
        msg: 'relation "orders_2019" does not exist at character 15',
      });
      out.push({ ...base, at: at + 2, sev: 'STATEMENT', msg: 'SELECT *\n\t  FROM orders_2019\n\t WHERE id = 42' });
    }
    out.push({
      ...base,
      at: at + 2,
      sev: 'LOG',
      msg: `disconnection: session time: 0:00:00.${String(pick(1000)).padStart(3, '0')} user=${user} database=${db} host=${host} port=${port}`,
    });
  }
  return out;
}

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
const csvq = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function render(format: DbLogFormat, list: Line[]): { buf: Buffer; lines: number } {
  const parts: string[] = [];
  for (const l of list) {
    if (format === 'stderr') {
      const who = l.user ? `${l.user}@${l.db}` : '[unknown]@[unknown]';
      parts.push(`${time(l.at)} [${l.pid}] ${who} ${l.sev}:  ${l.msg.replace(/\n/g, '\n\t')}`);
      if (l.detail) parts.push(`${time(l.at)} [${l.pid}] ${who} DETAIL:  ${l.detail.replace(/\n/g, '\n\t')}`);
    } else if (format === 'csvlog') {
      parts.push(
        [
          time(l.at),
          l.user ? csvq(l.user) : '',
          l.db ? csvq(l.db) : '',
          l.pid,
          csvq(`${l.host}:${l.port}`),
          `6b14b83c.${l.pid.toString(16)}`,
          1,
          csvq('authentication'),
          time(l.at),
          '3/14',
          0,
          l.sev,
          l.state,
          csvq(l.msg),
          l.detail ? csvq(l.detail) : '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          csvq(''),
          csvq('client backend'),
          '',
          0,
        ].join(','),
      );
    } else {
      const o: Record<string, unknown> = { timestamp: time(l.at) };
      if (l.user) o.user = l.user;
      if (l.db) o.dbname = l.db;
      Object.assign(o, {
        pid: l.pid,
        remote_host: l.host,
        remote_port: l.port,
        session_id: `6b14b83c.${l.pid.toString(16)}`,
      });
      Object.assign(o, {
        line_num: 1,
        ps: 'authentication',
        error_severity: l.sev,
        state_code: l.state,
        message: l.msg,
      });
      if (l.detail) o.detail = l.detail;
      Object.assign(o, { backend_type: 'client backend', query_id: 0 });
      parts.push(JSON.stringify(o));
    }
  }
  const text = parts.join('\n') + '\n';
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return { buf: Buffer.from(text, 'utf8'), lines };
}

/** With `detect`, every event also goes through all login detectors (a fresh LoginDetector per run). */
function run(
  format: DbLogFormat,
  buf: Buffer,
  detect = false,
): { seconds: number; events: number; rejected: number; heapMB: number } {
  let best = Infinity;
  let events = 0;
  let rejected = 0;
  let heap = 0;
  for (let r = 0; r < RUNS; r++) {
    let n = 0;
    const detector = detect
      ? new LoginDetector(ENRICHMENT(), null, { onAlert: () => undefined }, DEFAULT_DETECTOR_CONFIG)
      : null;
    const sink = detector
      ? {
          onEvent: (e: LoginEvent) => {
            n++;
            detector.process(e);
          },
        }
      : { onEvent: () => void n++ };
    global.gc?.();
    const h0 = process.memoryUsage().heapUsed;
    const t = process.hrtime.bigint();
    const p = createLogParser('bench', format, null, sink);
    for (let i = 0; i < buf.length; i += CHUNK) p.write(buf.subarray(i, i + CHUNK));
    const res = p.end();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    global.gc?.();
    heap = Math.max(heap, process.memoryUsage().heapUsed - h0);
    if (p.joiner.openCount > 0) throw new Error('connections left open');
    if (s < best) best = s;
    events = n;
    rejected = res.rejected;
  }
  return { seconds: best, events, rejected, heapMB: heap / 2 ** 20 };
}

/** The shipped country/AS data, loaded once (outside the timed runs). */
let enrichment: ReturnType<typeof loadIpEnrichment> | null = null;
const ENRICHMENT = () => (enrichment ??= loadIpEnrichment({}));

async function main(): Promise<void> {
  ENRICHMENT();
  const list = entries();
  // First, while the process's RSS has not yet been grown (and freed) by the throughput runs.
  const followed = await followedMemory(list);
  const rows: Record<string, string | number>[] = [];
  for (const format of ['stderr', 'csvlog', 'jsonlog'] as DbLogFormat[]) {
    const { buf, lines } = render(format, list);
    const r = run(format, buf);
    const d = run(format, buf, true);
    rows.push({
      format,
      lines,
      MB: +(buf.length / 2 ** 20).toFixed(1),
      events: r.events,
      rejected: r.rejected,
      'lines/s': Math.round(lines / r.seconds),
      'MB/s': +(buf.length / 2 ** 20 / r.seconds).toFixed(1),
      'events/s': Math.round(r.events / r.seconds),
      'lines/s with detectors': Math.round(lines / d.seconds),
      'heap growth MB': +r.heapMB.toFixed(1),
    });
  }
  const memory = joinerMemory();
  console.table(rows);
  console.table([memory]);
  console.table(followed);
  console.log(JSON.stringify({ bench: 'dbwatch', at: new Date().toISOString(), results: rows, memory, followed }));
}

/**
 * Memory per monitored server when one process follows FOLLOWED logs (DBWATCH_FOLLOW): a
 * LogFollower per log, each having read its file once (a few connections, ~2 KB), positions kept
 * in memory instead of PostgreSQL. Heap plus Buffers (arrayBuffers) and RSS, before and after,
 * divided by the number of servers; the connections left mid-authentication are the joiner's.
 */
async function followedMemory(list: Line[]): Promise<Record<string, number | string>[]> {
  const out: Record<string, number | string>[] = [];
  const saved = new Map<string, unknown>();
  const store = new LogPositionStore(async (sql: string, params?: unknown[]) => {
    const key = `${params?.[0]}|${params?.[1]}`;
    if (/^\s*SELECT/i.test(sql)) return saved.has(key) ? [saved.get(key)] : [];
    saved.set(key, null);
    return [];
  });
  for (const format of ['stderr', 'csvlog', 'jsonlog'] as DbLogFormat[]) {
    const { buf } = render(format, list.slice(0, 2000));
    const cut = buf.indexOf(10, 2048) + 1;
    const sample = buf.subarray(0, cut > 0 ? cut : buf.length);
    const dir = mkdtempSync(join(tmpdir(), 'sg-bench-follow-'));
    const paths: string[] = [];
    for (let i = 0; i < FOLLOWED; i++) {
      const path = join(dir, `pg-${i}${format === 'stderr' ? '.log' : format === 'csvlog' ? '.csv' : '.json'}`);
      writeFileSync(path, sample);
      paths.push(path);
    }
    let events = 0;
    global.gc?.();
    const m0 = process.memoryUsage();
    const followers = paths.map(
      (path, i) =>
        new LogFollower({ serverId: `pg-${i}`, path, format, linePrefix: null }, store, async (_s, _src, evs) => {
          events += evs.length;
        }),
    );
    let failed = '';
    try {
      for (let i = 0; i < followers.length; i += 500) {
        await Promise.all(followers.slice(i, i + 500).map((f) => f.poll()));
      }
    } catch (err) {
      failed = (err as Error).message;
    }
    global.gc?.();
    const m1 = process.memoryUsage();
    const per = (a: number, b: number) => Math.round((b - a) / FOLLOWED);
    out.push({
      format,
      'followed servers': FOLLOWED,
      events,
      'heap per server (bytes)': per(m0.heapUsed, m1.heapUsed),
      'buffers per server (bytes)': per(m0.arrayBuffers, m1.arrayBuffers),
      'RSS per server (bytes)': per(m0.rss, m1.rss),
      'shared read buffers (KB)': (SHARED_READ_BUFFERS.allocated * SHARED_READ_BUFFERS.bytes) >> 10,
      ...(failed ? { failed } : {}),
    });
    await Promise.all(followers.map((f) => f.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Heap held by the joiner when it remembers the most connections it may (65,536 mid-authentication). */
function joinerMemory(): Record<string, number | string> {
  const open = 65_536;
  const p = createLogParser('bench', 'stderr', null, { onEvent: () => undefined });
  const line = (k: number): string =>
    `2026-12-06 00:00:00.000 UTC [${k + 1}] [unknown]@[unknown] LOG:  connection received: host=10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255} port=${1024 + (k % 60000)}\n`;
  const text: string[] = [];
  for (let k = 0; k < open; k++) text.push(line(k));
  const buf = Buffer.from(text.join(''));
  global.gc?.();
  const h0 = process.memoryUsage().heapUsed;
  p.write(buf);
  global.gc?.();
  const bytes = process.memoryUsage().heapUsed - h0;
  return {
    'open connections': p.joiner.openCount,
    'joiner heap MB': +(bytes / 2 ** 20).toFixed(1),
    'bytes per open connection': Math.round(bytes / open),
    // One parser per log being read: a carry buffer of one record cap, and for csv/json a scratch of the same.
    'parser buffers KB (stderr / csv, json)': `${MAX_RECORD_BYTES >> 10} / ${MAX_RECORD_BYTES >> 9}`,
    'gc exposed': global.gc ? 1 : 0,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

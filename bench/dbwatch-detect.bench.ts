/**
 * npm run bench:dbwatch-detect — login events per second through every dbwatch detector (one
 * core, no I/O: parsing and storage are measured elsewhere), and memory per monitored server.
 *
 * Stream: SERVERS servers (default 10,000); each connection logs `connect`, then `login-ok`
 * (public client addresses, so country/AS lookups hit the shipped data) or a failure, then
 * `disconnect`; 5% of connections are failures, a few sources brute-force. Baselines learned
 * (learning period over), so anomaly checks run on every login.
 * Memory: heap after learning, with every server's baselines and failure state, per server.
 * Then (unless STORE=0) the whole consumer with PostgreSQL: batches of 1,000 events of one server
 * through LOGIN_EVENT_CONSUMER's implementation (INSERT into the daily partitions, detectors,
 * baseline upsert), against a throw-away database (BENCH_DATABASE_URL or sg_bench_dbalerts_<pid>).
 */
import { emptyLoginEvent, type LoginEvent, type LoginEventKind } from '../libs/dbwatch/src/events/login-event';
import { DEFAULT_DETECTOR_CONFIG } from '../libs/dbwatch/src/analysis/detector-config';
import { loadIpEnrichment } from '../libs/dbwatch/src/analysis/ip-enrichment';
import { LoginDetector } from '../libs/dbwatch/src/analysis/login-detector';
import { ThreatIntel } from '../libs/detection/src/engine/threat-intel';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { InventoryQueryService } from '@sg/inventory';
import type { QueueService } from '@sg/queues';
import { loadConfig } from '../libs/common/src/config/app-config';
import { dataSourceOptions } from '../libs/db/src/data-source-options';
import { ensureDatabase } from '../libs/db/src/ensure-database';
import { runMigrationsLocked } from '../libs/db/src/run-migrations';
import { AlertRecorder } from '../libs/dbwatch/src/analysis/alert-recorder.service';
import { AlertRepository } from '../libs/dbwatch/src/analysis/alert.repository';
import { BaselineRepository } from '../libs/dbwatch/src/analysis/baseline.repository';
import type { IpEnrichment } from '../libs/dbwatch/src/analysis/ip-enrichment';
import { LoginEventAnalysisConsumer } from '../libs/dbwatch/src/analysis/login-event-analysis.consumer';
import { LoginEventRepository } from '../libs/dbwatch/src/analysis/login-event.repository';
import { ServerDirectory } from '../libs/dbwatch/src/analysis/server-directory';
import { benchSize } from './bench-size';
import { report } from './report';

const SERVERS = Number(process.env.SERVERS ?? benchSize(10_000, 200));
const ROUNDS = Number(process.env.ROUNDS ?? benchSize(10, 1));
const POOL = benchSize(1 << 18, 1 << 12);
const DAY = 86_400_000;

const gc = (): void => (global as { gc?: () => void }).gc?.();
const heapMb = (): number => process.memoryUsage().heapUsed / 1e6;

/** Events/s through the consumer with PostgreSQL (store, detect, baselines), one server's batch at a time. */
async function storePart(enrichment: IpEnrichment): Promise<Record<string, string | number>[]> {
  const url = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/sg_bench_dbalerts_${process.pid}`;
  const created = await ensureDatabase(url);
  const ds = new DataSource(dataSourceOptions(url, [], 4));
  await ds.initialize();
  try {
    await runMigrationsLocked(ds);
    const servers = 100;
    await ds.query(`INSERT INTO subscriptions (id, name) VALUES ('sub-bench', 'bench') ON CONFLICT DO NOTHING`);
    await ds.query(
      `INSERT INTO db_servers (id, subscription_id, name, log_format)
       SELECT 'pg-' || i, 'sub-bench', 'pg ' || i, 'stderr' FROM generate_series(0, $1 - 1) i ON CONFLICT DO NOTHING`,
      [servers],
    );
    const cfg = loadConfig({ DATABASE_URL: url });
    const inventory = { subscriptionContacts: async () => [] } as unknown as InventoryQueryService;
    const queues = { enqueue: async () => undefined } as unknown as QueueService;
    const events = new LoginEventRepository(ds);
    const alerts = new AlertRepository(ds);
    const consumer = new LoginEventAnalysisConsumer(
      new ServerDirectory(ds, inventory),
      events,
      new BaselineRepository(ds),
      new AlertRecorder(alerts, events, queues, cfg),
      enrichment,
      { create: (sink) => new LoginDetector(enrichment, null, sink, DEFAULT_DETECTOR_CONFIG) },
      cfg,
    );
    const batch = 1000;
    const batches = Number(process.env.STORE_BATCHES ?? benchSize(100, 3));
    const t0 = Date.now() - 3_600_000;
    const make = (serverId: string, i: number): LoginEvent => {
      const e = emptyLoginEvent(serverId);
      e.kind = (['connect', 'login-ok', 'disconnect'] as LoginEventKind[])[i % 3];
      e.at = t0 + i * 3;
      e.pid = 1000 + Math.floor(i / 3);
      e.clientIp = `52.95.110.${(i >> 4) & 255}`;
      e.user = e.kind === 'connect' ? '' : 'app';
      e.database = e.kind === 'connect' ? '' : 'appdb';
      return e;
    };
    const payload = Array.from({ length: batches }, (_, b) =>
      Array.from({ length: batch }, (_, i) => make(`pg-${b % servers}`, b * batch + i)),
    );
    const offsets = Array.from({ length: batch }, (_, i) => i * 120);
    const t = process.hrtime.bigint();
    for (let b = 0; b < batches; b++)
      await consumer.consume(`pg-${b % servers}`, `/logs/pg-${b}.log`, payload[b], offsets);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const stored: { n: string }[] = await ds.query(`SELECT count(*) AS n FROM db_login_events`);
    return [
      {
        figure: 'events/s through the consumer with PostgreSQL (store, detect, baselines)',
        value: Math.round((batches * batch) / seconds),
      },
      { figure: 'events stored', value: Number(stored[0].n) },
    ];
  } finally {
    await ds.destroy();
    if (created) {
      const u = new URL(url);
      const name = u.pathname.slice(1);
      u.pathname = '/postgres';
      const admin = new Client({ connectionString: u.toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.end();
    }
  }
}

async function main(): Promise<void> {
  let t = process.hrtime.bigint();
  const enrichment = loadIpEnrichment({});
  const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
  // A threat list of 10,000 /24s so the suspicious-IP lookup does real work.
  const threats = new ThreatIntel([
    {
      category: 'drop',
      text: Array.from({ length: 10_000 }, (_, i) => `${100 + (i >> 8)}.${i & 255}.0.0/24`).join('\n'),
    },
  ]);
  let alerts = 0;
  const byType = new Map<string, number>();
  const detector = new LoginDetector(
    enrichment,
    threats,
    {
      onAlert: (h) => {
        alerts++;
        byType.set(h.type, (byType.get(h.type) ?? 0) + 1);
      },
    },
    DEFAULT_DETECTOR_CONFIG,
  );

  // Strings made once: server ids, users, databases, applications, client addresses.
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const servers = Array.from({ length: SERVERS }, (_, i) => `pg-${i}`);
  const users = ['app', 'reporting', 'migrator', 'readonly', 'admin'];
  const dbs = ['appdb', 'postgres', 'analytics'];
  const apps = ['', 'psql', 'PostgreSQL JDBC Driver', 'pgAdmin 4 - DB:appdb', 'node-postgres'];
  // Each server's clients: a few addresses in a handful of networks (two providers' ranges and ISPs).
  const prefixes = [0x34_5f_00_00, 0x14_32_00_00, 0x5d_b8_d8_00, 0xc1_00_06_00, 0x08_08_08_00, 0x4e_2e_00_00];
  const ipText = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  const clientsOf = servers.map(() =>
    Array.from({ length: 4 }, () =>
      ipText((prefixes[Math.floor(rnd() * prefixes.length)] + Math.floor(rnd() * 250)) >>> 0),
    ),
  );

  // The event pool: a stream of connections, reused round after round with times moved on.
  const pool: LoginEvent[] = [];
  const kinds: LoginEventKind[] = [];
  // 1% of connections come from one of 256 scanners guessing names and passwords on any server.
  const scanners = Array.from({ length: 256 }, (_, i) => `45.${i}.13.7`);
  const guesses = Array.from({ length: 20 }, (_, i) => (i < 5 ? users[i] : `guess${i}`));
  while (pool.length < POOL) {
    const s = Math.floor(rnd() * SERVERS);
    const scan = rnd() < 0.01;
    const ip = scan ? scanners[Math.floor(rnd() * 256)] : clientsOf[s][Math.floor(rnd() * 4)];
    const failed = scan || rnd() < 0.05;
    const user = scan ? guesses[Math.floor(rnd() * guesses.length)] : users[Math.floor(rnd() * users.length)];
    for (const kind of ['connect', failed ? 'login-failed' : 'login-ok', 'disconnect'] as LoginEventKind[]) {
      const e = emptyLoginEvent(servers[s]);
      e.kind = kind;
      e.clientIp = ip;
      e.user = kind === 'connect' ? '' : user;
      e.database = kind === 'connect' ? '' : dbs[Math.floor(rnd() * dbs.length)];
      e.application = kind === 'login-ok' ? apps[Math.floor(rnd() * apps.length)] : '';
      e.sqlState = kind === 'login-failed' ? '28P01' : '';
      e.invalidUser = kind === 'login-failed' && !users.includes(user);
      pool.push(e);
      kinds.push(kind);
    }
  }
  gc();
  gc();
  const heap0 = heapMb();
  // Learn: 10 days of the same stream, so the learning period is over.
  const T0 = Date.parse('2026-11-01T00:00:00Z');
  const step = (10 * DAY) / POOL;
  for (let i = 0; i < POOL; i++) {
    pool[i].at = T0 + i * step;
    detector.process(pool[i]);
  }
  const learnedAlerts = alerts;
  // Memory per server: the detector's state once every server has its baselines and failure state.
  gc();
  gc();
  const perServerBytes = ((heapMb() - heap0) * 1e6) / SERVERS;
  for (const s of servers) detector.takeDirty(s);

  // Timed rounds: events 2 ms apart in event time (500 connections/s over all servers).
  let at = T0 + 10 * DAY;
  for (let i = 0; i < POOL; i++) {
    pool[i].at = at += 2;
    detector.process(pool[i]);
  }
  t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < POOL; i++) {
      const e = pool[i];
      e.at = at += 2;
      detector.process(e);
    }
    for (let k = 0; k < 50; k++) detector.takeDirty(servers[(r * 50 + k) % SERVERS]);
  }
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpuSeconds = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6;
  const events = ROUNDS * POOL;

  const rows: Record<string, string | number>[] = [
    { figure: 'events/s through all detectors (one core, wall clock)', value: Math.round(events / seconds) },
    { figure: 'events/s per CPU second (the machine is shared)', value: Math.round(events / cpuSeconds) },
    { figure: 'events timed', value: events },
    { figure: 'servers', value: SERVERS },
    { figure: 'detector heap per server: baselines, sources (bytes)', value: Math.round(perServerBytes) },
    { figure: 'event pool (events, shared by all servers)', value: POOL },
    { figure: 'alerts while learning / while timed', value: `${learnedAlerts} / ${alerts - learnedAlerts}` },
    { figure: 'enrichment load (ms) / ranges', value: `${Math.round(loadMs)} / ${enrichment.size}` },
    {
      figure: 'gc available (for the memory figure)',
      value: String(typeof (global as { gc?: unknown }).gc === 'function'),
    },
  ];
  if (process.env.STORE !== '0') rows.push(...(await storePart(enrichment)));
  report('dbwatch-detect', rows);
  if (process.env.VERBOSE) console.log(Object.fromEntries(byType));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

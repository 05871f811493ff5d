/**
 * npm run bench:console — server time of the console's pages on a real PostgreSQL (a throw-away
 * database) with 100,000 cases (30% open), 1,000,000 timeline entries and 10,000 VMs: the queue
 * (first page, a filter, a search, pages deep into the keyset), a case page, the overview and the
 * address lookup. An api-role process on 127.0.0.1; each figure is the time from sending the
 * request to the last byte of the page over loopback, signed in as a responder. Target p95 < 100 ms.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { CaseBoardService } from '@sg/cases';
import { loadConfig } from '@sg/common';
import { InventoryIndexService } from '@sg/inventory';
import { createApp } from '../apps/safeguards/src/create-app';
import { benchSize } from './bench-size';
import { report } from './report';

// At smoke size still more cases than VMs, so both roles and several kinds are there.
const CASES = Number(process.env.CONSOLE_CASES ?? benchSize(100_000, 12_000));
const TIMELINE_PER_CASE = 10;
const DB_ALERTS = Number(process.env.CONSOLE_DB_ALERTS ?? benchSize(100_000, 12_000));
const VMS = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? benchSize(200, 20));
const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Evidence as big as a long case keeps (20 peers, 20 sample flows, 2 rules). */
/** A brute-force alert's evidence as the recorder writes it (20 events). */
function dbAlertEvidence() {
  const at = Date.now();
  return {
    rule: 'failed logins from one address faster than the bucket leaks',
    threshold: { capacity: 5, leakMs: 10_000 },
    values: { failures: 6, distinctUsers: 1 },
    source: { ip: '203.0.113.9', country: 'DE', asn: 64500, asName: 'EXAMPLE', provider: '', region: '', label: '' },
    dataAttribution: 'bench',
    events: Array.from({ length: 20 }, (_, i) => ({
      at: new Date(at - i * 1000).toISOString(),
      kind: 'login-failed',
      clientIp: '203.0.113.9',
      clientPort: 50000 + i,
      user: 'app',
      database: 'appdb',
      application: '',
      sqlState: '28P01',
      invalidUser: false,
      country: 'DE',
      asn: 64500,
      pid: 1000 + i,
    })),
  };
}

function evidence() {
  const t0 = Date.now() - 3600_000;
  return {
    firstSeen: new Date(t0).toISOString(),
    lastSeen: new Date(t0 + 3000_000).toISOString(),
    counts: { flows: 12_000, packets: 40_000, bytes: 3_600_000, distinctPeers: 800, distinctPorts: 1 },
    topPeers: Array.from({ length: 20 }, (_, i) => ({
      ip: `198.51.100.${i}`,
      flows: 500 - i,
      packets: 900,
      bytes: 90_000,
    })),
    sampleFlows: Array.from({ length: 20 }, (_, i) => ({
      start: new Date(t0 + i * 150_000).toISOString(),
      end: new Date(t0 + i * 150_000 + 1000).toISOString(),
      src: '10.0.0.4',
      dst: `198.51.100.${i}`,
      srcPort: 40000 + i,
      dstPort: 22,
      protocol: 6,
      packets: 2 + i,
      bytes: 120 + i * 60,
    })),
    ports: [22],
    rules: [
      {
        name: 'port-scan.horizontal',
        threshold: 25,
        observed: 800,
        window: '5m',
        description: '800 hosts probed on port 22',
      },
      {
        name: 'port-scan.trw',
        threshold: 4,
        observed: 30,
        window: '5m',
        description: '30 failed first contacts in a row',
      },
    ],
    findingCount: 12,
    findingIds: Array.from({ length: 12 }, (_, i) => `f-${i}`),
    activeFindings: 3,
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];

async function main(): Promise<void> {
  const dbName = `sg_bench_console_${randomBytes(4).toString('hex')}`;
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const token = `bench-admin-${randomBytes(16).toString('hex')}`;
  const cfg = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: u.toString(),
    QUEUE_PREFIX: `sgbench-console-${Date.now()}`,
    ADMIN_TOKEN: token,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const app = await createApp(['api'], cfg);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const db = new Client({ connectionString: cfg.DATABASE_URL });
  await db.connect();
  const admin = new Client({ connectionString: adminUrl });
  try {
    let t = Date.now();
    await db.query(
      `INSERT INTO subscriptions (id, name, contacts) SELECT 'sub-' || g, 'Customer ' || g, ARRAY['ops@c' || g || '.example'] FROM generate_series(0, 99) g`,
    );
    await db.query(
      `INSERT INTO deployments (id, subscription_id, name) SELECT 'dep-' || g, 'sub-' || (g % 100), 'deployment ' || g FROM generate_series(0, 999) g`,
    );
    await db.query(
      `INSERT INTO vms (id, deployment_id, name) SELECT 'vm-' || g, 'dep-' || (g % 1000), 'vm ' || g FROM generate_series(0, ${VMS - 1}) g`,
    );
    await db.query(
      `INSERT INTO vm_addresses (vm_id, ip, valid_from) SELECT 'vm-' || g, ('10.' || (g >> 8) || '.' || (g & 255) || '.4')::inet, now() - interval '400 days' FROM generate_series(0, ${VMS - 1}) g`,
    );
    await db.query(`UPDATE inventory_state SET version = version + 1`);
    await app.get(InventoryIndexService).reload();
    // 30% open (mixed deadlines, severities, kinds, some with a request waiting), the rest closed.
    await db.query(
      `INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status, resolution, closed_at,
                          opened_at, deadline_at, deadline_set_at, pending_request, assignee, evidence)
       SELECT 'vm-' || (g % ${VMS}), 'dep-' || (g % ${VMS} % 1000), 'sub-' || (g % ${VMS} % 1000 % 100),
              CASE WHEN g / ${VMS} % 2 = 1 THEN 'target' ELSE 'source' END,
              CASE WHEN g / ${VMS} % 2 = 1 THEN 'inbound' ELSE 'outbound' END,
              (ARRAY['port-scan','brute-force','flood','amplification','spam','malicious-peer','mining'])[1 + g / ${VMS} / 2 % 7],
              (ARRAY['low','medium','high','critical'])[1 + g % 4 - CASE WHEN g / ${VMS} % 2 = 1 AND g % 4 = 3 THEN 1 ELSE 0 END],
              CASE WHEN g % 10 < 3 THEN (CASE WHEN g % 50 = 1 THEN 'extension-requested' WHEN g % 3 = 0 THEN 'extended' ELSE 'notified' END)
                   ELSE 'resolved' END,
              CASE WHEN g % 10 < 3 THEN NULL ELSE 'true-positive' END,
              CASE WHEN g % 10 < 3 THEN NULL ELSE now() - (g || ' seconds')::interval END,
              now() - ((g * 20) || ' seconds')::interval - interval '1 hour',
              CASE WHEN g / ${VMS} % 2 = 1 THEN NULL ELSE now() + ((g % 86400) || ' seconds')::interval END,
              now() - interval '1 hour',
              CASE WHEN g % 50 = 1 AND g % 10 < 3 THEN '{"type":"extension","at":"2026-01-01T00:00:00Z","from":"ops@c.example","text":"24h please","requestedMs":86400000}'::jsonb END,
              CASE WHEN g % 13 = 0 THEN 'alice' END,
              $1::jsonb
         FROM generate_series(1, ${CASES}) g`,
      [JSON.stringify(evidence())],
    );
    await db.query(
      `INSERT INTO case_timeline (case_id, at, actor, actor_id, type, from_status, to_status, reason, visibility)
       SELECT c.id, c.opened_at + (n || ' minutes')::interval, CASE WHEN n % 3 = 0 THEN 'responder' ELSE 'system' END, NULL,
              CASE WHEN n % 3 = 0 THEN 'note' ELSE 'transition' END, NULL, NULL, 'entry ' || n || ' of the case',
              CASE WHEN n % 3 = 0 THEN 'internal' ELSE 'customer' END
         FROM cases c CROSS JOIN generate_series(1, ${TIMELINE_PER_CASE}) n`,
    );
    // Database alerts (the console's db-alerts pages): 500 servers, DB_ALERTS alerts, 10% open.
    await db.query(
      `INSERT INTO db_servers (id, subscription_id, name, log_format) SELECT 'pg-' || g, 'sub-' || (g % 100), 'database ' || g, 'stderr' FROM generate_series(0, 499) g`,
    );
    await db.query(
      `INSERT INTO db_alerts (server_id, subscription_id, type, severity, state, dedupe_key, source_ip, user_name, database,
                              first_seen, last_seen, count, evidence, created_at)
       SELECT 'pg-' || (g % 500), 'sub-' || (g % 500 % 100), (ARRAY['brute-force','user-enumeration','unusual-location','harmful-application'])[1 + g % 4],
              (ARRAY['medium','medium','medium','high'])[1 + g % 4], CASE WHEN g % 10 = 3 THEN 'open' ELSE 'dismissed' END,
              '203.0.113.' || (g % 250), '203.0.113.' || (g % 250), 'app', 'appdb',
              now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval + interval '30 seconds', 1 + g % 7, $1::jsonb,
              now() - (g || ' minutes')::interval
         FROM generate_series(1, ${DB_ALERTS}) g`,
      [JSON.stringify(dbAlertEvidence())],
    );
    // As autovacuum leaves a table after a bulk load: statistics and the visibility map.
    await db.query('VACUUM ANALYZE');
    const counts = (
      await db.query(
        `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM cases WHERE closed_at IS NULL)::int AS open,
                (SELECT count(*) FROM case_timeline)::int AS timeline, (SELECT count(*) FROM db_alerts)::int AS db_alerts`,
      )
    ).rows[0] as { cases: number; open: number; timeline: number };
    console.log(`data: ${JSON.stringify(counts)} in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // Sign in as a responder, as a browser does.
    const created = await fetch(`${base}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', role: 'responder' }),
    });
    const responder = ((await created.json()) as { token: string }).token;
    const login = await fetch(`${base}/console/login`);
    const loginCookie = /sg_login_csrf=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1];
    const signed = await fetch(`${base}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `sg_login_csrf=${loginCookie}` },
      body: new URLSearchParams({ _csrf: csrf, token: responder, next: '/console' }).toString(),
    });
    const session = /sg_console=([^;]+)/.exec(signed.headers.get('set-cookie') ?? '')![1];
    const get = async (path: string): Promise<{ ms: number; body: string }> => {
      const s = process.hrtime.bigint();
      const r = await fetch(base + path, { headers: { cookie: `sg_console=${session}` }, redirect: 'manual' });
      const body = await r.text();
      const ms = Number(process.hrtime.bigint() - s) / 1e6;
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${body.slice(0, 200)}`);
      return { ms, body };
    };

    const ids = (
      await db.query(`SELECT id FROM cases WHERE closed_at IS NULL ORDER BY random() LIMIT ${ROUNDS}`)
    ).rows.map((r: { id: string }) => r.id);
    // Keyset pages deep into the queue: follow "Next page" from the first page.
    const deep: string[] = [];
    let next: string | null = '/console';
    while (next && deep.length < ROUNDS) {
      const body: string = (await get(next)).body;
      const m = /href="([^"]+)" rel="next"/.exec(body);
      next = m ? m[1].replace(/&amp;/g, '&') : null;
      if (next) deep.push(next);
    }
    const dbAlertIds = (await db.query(`SELECT id FROM db_alerts ORDER BY random() LIMIT ${ROUNDS}`)).rows.map(
      (r: { id: string }) => r.id,
    );
    const pages: [string, (i: number) => string][] = [
      ['queue: first page', () => '/console'],
      ['queue: kind + role filter', (i) => `/console?kind=${['flood', 'spam', 'brute-force'][i % 3]}&role=source`],
      ['queue: waiting requests', () => '/console?pending=1'],
      ['queue: search subscription', (i) => `/console?q=sub-${i % 100}`],
      ['queue: search address', (i) => `/console?q=10.${(i * 37) % 39}.${(i * 11) % 256}.4`],
      ['queue: keyset page n', (i) => deep[i % deep.length]],
      ['case page', (i) => `/console/cases/${ids[i % ids.length]}`],
      ['overview (cached, stale-while-revalidate)', () => '/console/overview'],
      ['address lookup', (i) => `/console/lookup?ip=10.${(i * 37) % 39}.${(i * 11) % 256}.4`],
      ['db alerts: first page', () => '/console/db-alerts'],
      ['db alerts: open high', () => '/console/db-alerts?state=open&severity=high'],
      ['db alerts: open, none match', () => '/console/db-alerts?state=open&type=suspicious-ip'],
      ['db alerts: one server', (i) => `/console/db-alerts?serverId=pg-${(i * 7) % 500}`],
      ['db alerts: page 20', () => '/console/db-alerts?page=20'],
      ['db alert page', (i) => `/console/db-alerts/${dbAlertIds[i % dbAlertIds.length]}`],
    ];
    const rows: Record<string, string | number>[] = [];
    for (const [name, path] of pages) {
      for (let i = 0; i < 10; i++) await get(path(i));
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) times.push((await get(path(i))).ms);
      times.sort((a, b) => a - b);
      rows.push({
        page: name,
        requests: ROUNDS,
        p50_ms: +pct(times, 0.5).toFixed(1),
        p95_ms: +pct(times, 0.95).toFixed(1),
        max_ms: +times[times.length - 1].toFixed(1),
      });
    }
    // The overview's figures computed afresh (what one refresh behind the cache costs).
    const board = app.get(CaseBoardService);
    const cold: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = Date.now();
      const s = process.hrtime.bigint();
      await board.overview();
      cold.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    cold.sort((a, b) => a - b);
    rows.push({
      page: 'overview figures, uncached (one refresh)',
      requests: 20,
      p50_ms: +pct(cold, 0.5).toFixed(1),
      p95_ms: +pct(cold, 0.95).toFixed(1),
      max_ms: +cold[cold.length - 1].toFixed(1),
    });
    console.log(
      `cases ${counts.cases}, open ${counts.open}, timeline entries ${counts.timeline}; keyset pages followed: ${deep.length}`,
    );
    report('console', rows);
  } finally {
    await db.end();
    await app.close();
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

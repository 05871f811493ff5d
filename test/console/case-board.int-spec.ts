import { Client } from 'pg';
import { CaseBoardService, type QueueCursor, type QueueRow } from '@sg/cases';
import { startTestApp, type TestApp } from '../support/test-app';

const RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The console's queue and overview over PostgreSQL: urgency order, keyset pages, filters, figures. */
describe('CaseBoardService (real PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let board: CaseBoardService;

  beforeAll(async () => {
    t = await startTestApp({ roles: ['api'] });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    board = t.app.get(CaseBoardService);
    // 230 open cases: sources with deadlines (many sharing one moment), targets without; 50 closed.
    await db.query(`
      INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status, deadline_at,
                         pending_request, shut_down_at, evidence)
      SELECT 'vm-' || g, 'dep-' || (g % 7), 'sub-' || (g % 3),
             CASE WHEN g % 5 = 0 THEN 'target' ELSE 'source' END, CASE WHEN g % 5 = 0 THEN 'inbound' ELSE 'outbound' END,
             'port-scan', (ARRAY['low','medium','high','critical'])[1 + g % 4],
             CASE WHEN g % 11 = 0 THEN 'shut-down' ELSE 'notified' END,
             CASE WHEN g % 5 = 0 THEN NULL ELSE timestamptz '2030-01-01' + ((g % 17) || ' hours')::interval END,
             CASE WHEN g % 9 = 0 THEN '{"type":"extension","at":"2030-01-01T00:00:00Z","from":"a@b","text":"t"}'::jsonb END,
             CASE WHEN g % 11 = 0 THEN now() - interval '1 day' END,
             '{}'::jsonb
        FROM generate_series(1, 230) g`);
    await db.query(`
      INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status, resolution, closed_at,
                         deadline_at, evidence)
      SELECT 'vm-closed-' || g, 'dep-1', 'sub-1', 'source', 'outbound', 'flood', 'critical', 'resolved', 'true-positive', now(),
             timestamptz '2020-01-01', '{}'::jsonb
        FROM generate_series(1, 50) g`);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const key = (r: QueueRow): [number, number, number] => [
    r.deadlineAt ? new Date(r.deadlineAt).getTime() : Infinity,
    RANK[r.severity],
    Number(r.number),
  ];
  const before = (a: QueueRow, b: QueueRow) => {
    const x = key(a);
    const y = key(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  };

  async function all(filter: Omit<Parameters<CaseBoardService['queue']>[0], 'limit' | 'after'>, limit = 50) {
    const rows: QueueRow[] = [];
    let after: QueueCursor | null = null;
    let pages = 0;
    do {
      const page = await board.queue({ ...filter, after, limit });
      rows.push(...page.items);
      after = page.next;
      pages++;
    } while (after && pages < 100);
    return { rows, pages };
  }

  it('pages through every open case once, deadline soonest then severity, targets last', async () => {
    const { rows, pages } = await all({});
    expect(pages).toBe(5);
    expect(rows).toHaveLength(230);
    expect(new Set(rows.map((r) => r.id)).size).toBe(230);
    expect(rows.some((r) => r.vmId.startsWith('vm-closed'))).toBe(false);
    expect([...rows].sort(before).map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(rows[rows.length - 1].role).toBe('target');
    expect(rows[0].severity).toBe('critical');
  });

  it('filters by waiting request, role, deadline and searches by number, deployment and VM', async () => {
    const pending = await all({ pending: true }, 7);
    expect(pending.rows.map((r) => r.vmId).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `vm-${(i + 1) * 9}`).sort(),
    );
    const targets = await all({ role: 'target' });
    expect(targets.rows).toHaveLength(46);
    const soon = await all({ deadlineBefore: new Date('2030-01-01T01:00:00Z') });
    expect(soon.rows.every((r) => new Date(r.deadlineAt!).getTime() < Date.parse('2030-01-01T01:00:00Z'))).toBe(true);
    expect(soon.rows.length).toBeGreaterThan(0);

    const one = (await board.queue({ search: 'vm-42', limit: 50 })).items;
    expect(one.map((r) => r.vmId)).toEqual(['vm-42']);
    const byNumber = (await board.queue({ search: `SG-${one[0].number}`, limit: 50 })).items;
    expect(byNumber.map((r) => r.id)).toEqual([one[0].id]);
    const dep = await all({ search: 'dep-3' });
    expect(dep.rows).toHaveLength(33);
    expect(dep.rows.every((r) => r.deploymentId === 'dep-3')).toBe(true);
  });

  it('reads the first page through the urgency index', async () => {
    // The planner may still prefer a sort on a table this small; forbid that and it must use the index.
    await db.query('SET enable_seqscan = off');
    await db.query('SET enable_sort = off');
    const forced = (
      await db.query(`EXPLAIN SELECT id FROM cases c WHERE c.closed_at IS NULL
        ORDER BY COALESCE(c.deadline_at, 'infinity'::timestamptz),
                 (CASE c.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END), c.number LIMIT 51`)
    ).rows
      .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
      .join('\n');
    expect(forced).toContain('cases_queue_idx');
    expect(forced).not.toMatch(/\bSort\b/);
  });

  it('counts the overview figures', async () => {
    const o = await board.overview();
    expect(o.openTotal).toBe(230);
    expect(o.pendingRequests).toBe(25);
    expect(o.shutDown).toEqual({ now: 20, last7d: 20 });
    expect(o.openByKindRole).toEqual([
      { kind: 'port-scan', role: 'source', count: 184 },
      { kind: 'port-scan', role: 'target', count: 46 },
    ]);
    expect(o.openedPerDay.reduce((n, r) => n + r.count, 0)).toBe(280);
  });

  it('lists the cases behind the overview’s 7-day figures, closed ones included', async () => {
    await db.query(`
      INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status, resolution, closed_at,
                         shut_down_at, restarted_at, evidence)
      SELECT 'vm-back-' || g, 'dep-1', 'sub-1', 'source', 'outbound', 'flood', 'high', 'resolved', 'true-positive', now(),
             now() - CASE WHEN g = 4 THEN interval '10 days' ELSE interval '2 days' END, now() - interval '1 day', '{}'::jsonb
        FROM generate_series(1, 4) g`);
    const o = await board.overview();
    const week = new Date(Date.now() - 7 * 86_400_000);
    const shut = await all({ shutDownSince: week });
    const restarted = await all({ restartedSince: week });
    expect(o.shutDown.last7d).toBe(23);
    expect(shut.rows).toHaveLength(o.shutDown.last7d);
    expect(shut.rows.filter((r) => r.vmId.startsWith('vm-back-')).map((r) => r.vmId).sort()).toEqual([
      'vm-back-1',
      'vm-back-2',
      'vm-back-3',
    ]);
    expect(o.restarted7d).toBe(4);
    expect(restarted.rows.map((r) => r.vmId).sort()).toEqual(['vm-back-1', 'vm-back-2', 'vm-back-3', 'vm-back-4']);
    // The open queue is unchanged by them.
    expect((await all({})).rows).toHaveLength(230);
  });

  it('gives a stamp of the open cases that moves when one changes', async () => {
    const first = await board.openCasesStamp();
    expect(first).toMatch(/^230\./);
    expect(await board.openCasesStamp()).toBe(first);
    await db.query(`UPDATE cases SET updated_at = now() + interval '1 minute' WHERE vm_id = 'vm-1'`);
    expect(await board.openCasesStamp()).not.toBe(first);
  });
});

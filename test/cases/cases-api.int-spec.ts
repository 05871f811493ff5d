import type { Job } from 'bullmq';
import { Client } from 'pg';
import { CaseQueryService, CustomerActionsService, FindingsProcessor, OpenCaseService } from '@sg/cases';
import type { FindingDocument } from '@sg/queues';
import { startRedisServer } from '../support/redis-server';
import { ADMIN_TOKEN, api, startTestApp, type TestApp } from '../support/test-app';
import { ControlPlane } from './support/control-plane';
import { INVENTORY, makeFinding } from './support/findings';
import { sleep, waitFor } from './support/wait-for';

const SECRET = 'control-plane-secret-0123456789';

async function snapshot(db: Client): Promise<string> {
  const parts: string[] = [];
  for (const q of [
    'SELECT * FROM cases ORDER BY id',
    'SELECT * FROM case_timeline ORDER BY id',
    'SELECT * FROM case_findings ORDER BY finding_id',
    'SELECT * FROM suppression_rules ORDER BY id',
    'SELECT * FROM deployment_actions ORDER BY id',
  ]) {
    parts.push(JSON.stringify((await db.query(q)).rows));
  }
  return parts.join('\n');
}

/** The responder API, the merging rules and the control plane's failure answers (deadlines are long here: nothing escalates by itself). */
describe('cases: API, merging, rules and control-plane failures (real PostgreSQL, Redis, HTTP)', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let plane: ControlPlane;
  let t: TestApp;
  let db: Client;
  const behaviour = new Map<string, number[]>();

  beforeAll(async () => {
    redis = await startRedisServer();
    plane = await ControlPlane.start(SECRET);
    // Per case: the statuses to answer in turn (then 200).
    plane.answer = (r) => ({
      status: behaviour.get(r.json.caseId)?.shift() ?? 200,
      body: '{"error":"no such deployment"}',
    });
    t = await startTestApp({
      env: {
        REDIS_URL: redis.url,
        CASE_DEADLINE_DEFAULT: '1h',
        CASE_DEADLINE_FLOOD: '1h',
        CASE_EXTENSION_MAX_COUNT: '2',
        CASE_EXTENSION_MAX_TOTAL: '3h',
        RECHECK_WINDOW: '1m',
        CASE_REOPEN_WINDOW: '1h',
        ESCALATION_RECONCILE_INTERVAL: '500ms',
        DEPLOYMENT_CONTROL_URL: plane.url,
        DEPLOYMENT_CONTROL_SECRET: SECRET,
        DEPLOYMENT_CONTROL_TIMEOUT: '2s',
        JOB_LOCK_DURATION: '2s',
      },
    });
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
    await plane?.close();
    await redis?.stop();
  });

  const ingest = (...f: FindingDocument[]) => t.app.get(OpenCaseService).ingest(f as never);
  const get = async (id: string) => (await api(t.url, 'GET', `/api/v1/cases/${id}`)).body;
  const openCase = async (f: FindingDocument) => {
    await ingest(f);
    const c = (await api(t.url, 'GET', `/api/v1/cases?vmId=${f.vmId}&kind=${f.kind}&role=${f.role}`)).body[0];
    return waitFor(async () => ((await get(c.id)).status === 'notified' ? get(c.id) : null));
  };
  const statusIs = (id: string, status: string, timeout = 10_000) =>
    waitFor(async () => ((await get(id)).status === status ? get(id) : null), timeout, `case to be ${status}`);

  it('processes the same finding twice without changing anything (the handler run twice)', async () => {
    const processor = t.app.get(FindingsProcessor);
    const f = makeFinding({ vmId: 'vm-1', kind: 'port-scan' });
    const job = { name: 'finding.upsert', data: { finding: f } } as unknown as Job;
    expect(await processor.process(job)).toMatchObject({ opened: 1 });
    const c = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1&kind=port-scan')).body[0];
    await statusIs(c.id, 'notified');
    await sleep(200);
    const before = await snapshot(db);
    expect(await processor.process(job)).toMatchObject({ opened: 0, merged: 0, unchanged: 1 });
    // The same document twice in one batch, and an older update, are no-ops too.
    expect(await ingest(f, f, { ...f, lastSeen: new Date(Date.parse(f.lastSeen) - 1000).toISOString() })).toMatchObject(
      {
        unchanged: 3,
      },
    );
    await sleep(200);
    expect(await snapshot(db)).toBe(before);
  });

  it('refuses a malformed finding job for good (no retries), naming the field', async () => {
    const processor = t.app.get(FindingsProcessor);
    const bad = {
      name: 'finding.upsert',
      data: { finding: { ...makeFinding(), role: 'bystander' } },
    } as unknown as Job;
    await expect(processor.process(bad)).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: /finding\.role/,
    });
  });

  it('merges findings for one (vm, role, kind) into one case, even when they arrive at once', async () => {
    const base = { vmId: 'vm-2', kind: 'brute-force' as const };
    const findings = Array.from({ length: 12 }, (_, i) =>
      makeFinding({
        ...base,
        counts: { flows: 10, packets: 100, bytes: 1000, distinctPeers: 5 + i, distinctPorts: 1 },
        topPeers: [{ ip: `203.0.113.${i % 3}`, flows: 10, packets: 100, bytes: 1000 }],
        sampleFlows: [{ n: i }],
      }),
    );
    await Promise.all(findings.map((f) => ingest(f)));
    const list = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-2&kind=brute-force')).body;
    expect(list).toHaveLength(1);
    const c = await get(list[0].id);
    expect(c.evidence.counts).toEqual({
      flows: 120,
      packets: 1200,
      bytes: 12_000,
      distinctPeers: 16,
      distinctPorts: 1,
    });
    expect(c.evidence.findingCount).toBe(12);
    expect(c.evidence.topPeers).toEqual([
      { ip: '203.0.113.0', flows: 40, packets: 400, bytes: 4000 },
      { ip: '203.0.113.1', flows: 40, packets: 400, bytes: 4000 },
      { ip: '203.0.113.2', flows: 40, packets: 400, bytes: 4000 },
    ]);
    expect(c.findings).toHaveLength(12);
    // An update of one finding replaces its contribution instead of adding to it.
    await ingest({ ...findings[0], lastSeen: new Date().toISOString(), counts: { ...findings[0].counts, flows: 15 } });
    expect((await get(c.id)).evidence.counts.flows).toBe(125);
    expect(c).toMatchObject({ role: 'source', severity: 'high', deadlineAt: expect.any(String) });
    expect(c.number).toEqual(expect.any(Number));
    expect(c.recommendations.steps.map((s: { title: string }) => s.title)).toContain(
      'Rebuild from a clean image and move the workload',
    );
  });

  it('gives a target no deadline, lower severity, protective advice, and mitigates it when the attack ends', async () => {
    const f = makeFinding({
      vmId: 'vm-2',
      role: 'target',
      direction: 'inbound',
      kind: 'brute-force',
      severity: 'high',
    });
    const c = await openCase(f);
    expect(c).toMatchObject({ role: 'target', deadlineAt: null, severity: 'medium' });
    expect(c.recommendations.steps.map((s: { title: string }) => s.title)).toEqual(
      expect.arrayContaining(['Slow down login attempts', 'Use keys and MFA']),
    );
    await ingest({ ...f, status: 'ended', lastSeen: new Date().toISOString() });
    expect((await get(c.id)).status).toBe('mitigated');
  });

  it('lists with filters and pagination (X-Total-Count)', async () => {
    const res = await fetch(`${t.url}/api/v1/cases?role=source&limit=1`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-total-count'))).toBeGreaterThanOrEqual(2);
    expect(await res.json()).toHaveLength(1);
    const filtered = await api(
      t.url,
      'GET',
      '/api/v1/cases?status=notified,extended&severity=high,critical&subscriptionId=sub-1',
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.every((c: { status: string }) => ['notified', 'extended'].includes(c.status))).toBe(true);
    const before = await api(
      t.url,
      'GET',
      `/api/v1/cases?deadlineBefore=${encodeURIComponent(new Date(Date.now() + 2 * 3600_000).toISOString())}`,
    );
    expect(before.body.length).toBeGreaterThanOrEqual(1);
    expect(before.body.every((c: { deadlineAt: string | null }) => c.deadlineAt !== null)).toBe(true);
  });

  it.each([
    ['GET', '/api/v1/cases?status=burning', undefined, 'query.status[0]'],
    ['GET', '/api/v1/cases?limit=0', undefined, 'query.limit'],
    ['GET', '/api/v1/cases?colour=red', undefined, 'query.colour'],
    ['GET', '/api/v1/cases/not-a-uuid', undefined, 'id'],
    ['POST', '/api/v1/cases/{id}/notes', {}, 'text'],
    ['POST', '/api/v1/cases/{id}/hold', { reason: 'x', until: 'tomorrow' }, 'until'],
    ['POST', '/api/v1/cases/{id}/extension/grant', { duration: '3 fortnights' }, 'duration'],
    ['POST', '/api/v1/cases/{id}/close', { resolution: 'duplicate', reason: 'same as the other' }, 'duplicateOf'],
    ['POST', '/api/v1/cases/{id}/close', { resolution: 'solved', reason: 'x' }, 'resolution'],
    [
      'POST',
      '/api/v1/cases/{id}/exception/approve',
      { reason: 'ok', peerPrefixes: ['300.0.0.0/8'] },
      'peerPrefixes[0]',
    ],
  ])('validates %s %s (body %j), answering 400 naming %s', async (method, path, body, field) => {
    const some = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1&kind=port-scan')).body[0];
    const res = await api(t.url, method, path.replace('{id}', some.id), body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('answers 409 naming the current status for moves the case cannot make, and 404 for an unknown case', async () => {
    const c = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1&kind=port-scan')).body[0];
    const restart = await api(t.url, 'POST', `/api/v1/cases/${c.id}/restart`, { reason: 'x' });
    expect(restart.status).toBe(409);
    expect(restart.body.error.code).toBe('invalid_state');
    expect(restart.body.error.message).toMatch(/the case is notified/);
    const deny = await api(t.url, 'POST', `/api/v1/cases/${c.id}/extension/deny`, { reason: 'no' });
    expect(deny.status).toBe(409);
    expect(deny.body.error.message).toMatch(/notified/);
    const target = (await api(t.url, 'GET', '/api/v1/cases?role=target')).body[0];
    const esc = await api(t.url, 'POST', `/api/v1/cases/${target.id}/escalate`, { reason: 'x' });
    expect(esc.status).toBe(409);
    const reopenFp = await api(t.url, 'POST', `/api/v1/cases/${target.id}/close`, {
      resolution: 'false-positive',
      reason: 'x',
    });
    expect(reopenFp.status).toBe(200);
    const again = await api(t.url, 'POST', `/api/v1/cases/${target.id}/close`, {
      resolution: 'true-positive',
      reason: 'x',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/false-positive/);
    expect((await api(t.url, 'GET', '/api/v1/cases/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('lets responders in (and ingest tokens not)', async () => {
    const responder = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'alice', role: 'responder' })).body.token;
    const ingest = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'exporter', role: 'ingest' })).body.token;
    expect((await api(t.url, 'GET', '/api/v1/cases', undefined, responder)).status).toBe(200);
    expect((await api(t.url, 'GET', '/api/v1/cases', undefined, ingest)).status).toBe(403);
    expect((await api(t.url, 'GET', '/api/v1/cases', undefined, null)).status).toBe(401);
    const c = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1&kind=port-scan')).body[0];
    const assigned = await api(t.url, 'POST', `/api/v1/cases/${c.id}/assign`, { assignee: 'alice' }, responder);
    expect(assigned.body.assignee).toBe('alice');
    const noted = await api(
      t.url,
      'POST',
      `/api/v1/cases/${c.id}/notes`,
      { text: 'owner is a known reseller' },
      responder,
    );
    expect(noted.status).toBe(200);
    const detail = await get(c.id);
    expect(detail.timeline.find((e: { type: string }) => e.type === 'note')).toMatchObject({
      actor: 'responder',
      actorId: 'alice',
      visibility: 'internal',
    });
    const customerView = await t.app.get(CaseQueryService).customerTimeline(c.id);
    expect(customerView.some((e) => e.type === 'note' || e.type === 'assign')).toBe(false);
    expect(customerView.some((e) => e.toStatus === 'open')).toBe(true);
  });

  it('grants extensions within the limits on their number and total length', async () => {
    const c = await openCase(makeFinding({ vmId: 'vm-1', kind: 'spam' }));
    const one = await api(t.url, 'POST', `/api/v1/cases/${c.id}/extension/grant`, { duration: '2h' });
    expect(one.status).toBe(200);
    expect(Date.parse(one.body.deadlineAt) - Date.parse(c.deadlineAt)).toBe(2 * 3600_000);
    const tooLong = await api(t.url, 'POST', `/api/v1/cases/${c.id}/extension/grant`, { duration: '2h' });
    expect(tooLong.status).toBe(409);
    expect(tooLong.body.error.message).toMatch(/at most 3600000 ms may still be granted/);
    expect((await api(t.url, 'POST', `/api/v1/cases/${c.id}/extension/grant`, { duration: '30m' })).status).toBe(200);
    const third = await api(t.url, 'POST', `/api/v1/cases/${c.id}/extension/grant`, { duration: '1m' });
    expect(third.status).toBe(409);
    expect(third.body.error.message).toMatch(/all 2 extensions/);
    // A request the owner makes now is recorded, and a responder can still deny it.
    const asked = await t.app
      .get(CustomerActionsService)
      .requestExtension(c.id, { text: 'one more day?', from: 'ops@owner.example' });
    expect(asked.status).toBe('extension-requested');
    const denied = await api(t.url, 'POST', `/api/v1/cases/${c.id}/extension/deny`, { reason: 'limit reached' });
    expect(denied.body).toMatchObject({ status: 'extended', pendingRequest: null });
  });

  it('reopens a case closed as a true positive; keeps a false positive closed unless the evidence is new', async () => {
    const f = makeFinding({
      vmId: 'vm-1',
      kind: 'mining',
      rule: { ...makeFinding().rule, name: 'mining.pool', observed: 10 },
    });
    const c = await openCase(f);
    expect(
      (await api(t.url, 'POST', `/api/v1/cases/${c.id}/close`, { resolution: 'true-positive', reason: 'rebuilt' })).body
        .status,
    ).toBe('resolved');
    await ingest({ ...f, lastSeen: new Date().toISOString(), counts: { ...f.counts, flows: 999 } });
    const reopened = await statusIs(c.id, 'notified');
    // Reopened within CASE_REOPEN_WINDOW: the owner was told before, so the deadline they had stands.
    expect(reopened).toMatchObject({ reopenCount: 1, resolution: null, deadlineAt: c.deadlineAt });
    expect(
      reopened.timeline.some(
        (e: { fromStatus: string; toStatus: string }) => e.fromStatus === 'resolved' && e.toStatus === 'notified',
      ),
    ).toBe(true);

    expect(
      (await api(t.url, 'POST', `/api/v1/cases/${c.id}/close`, { resolution: 'false-positive', reason: 'lab test' }))
        .status,
    ).toBe(200);
    const same = makeFinding({ vmId: 'vm-1', kind: 'mining', rule: { ...f.rule, observed: 15 } });
    expect(await ingest(same)).toMatchObject({ recorded: 1, opened: 0 });
    expect((await get(c.id)).status).toBe('false-positive');
    const bigger = makeFinding({ vmId: 'vm-1', kind: 'mining', rule: { ...f.rule, observed: 50 } });
    expect(await ingest(bigger)).toMatchObject({ opened: 1 });
    const all = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1&kind=mining')).body;
    expect(all).toHaveLength(2);
    expect(all.find((x: { id: string }) => x.id === c.id).status).toBe('false-positive');
    expect(all.find((x: { id: string }) => x.id !== c.id).status).toMatch(/^(open|notified)$/);
  });

  it('shows a 4xx from the control plane to responders (shutdown-failed); retries a 5xx until it succeeds, once', async () => {
    const rejected = await openCase(makeFinding({ vmId: 'vm-2', kind: 'spam' }));
    behaviour.set(rejected.id, [422]);
    expect(
      (await api(t.url, 'POST', `/api/v1/cases/${rejected.id}/shutdown`, { reason: 'spam wave' })).body.status,
    ).toBe('shutdown-pending');
    const failed = await statusIs(rejected.id, 'shutdown-failed');
    expect(failed.lastActionError).toMatch(/422/);
    expect(failed.timeline.find((e: { type: string }) => e.type === 'action-failed').details).toMatchObject({
      statusCode: 422,
    });
    expect(plane.forCase(rejected.id)).toHaveLength(1);

    const flaky = await openCase(makeFinding({ vmId: 'vm-2', kind: 'port-scan' }));
    behaviour.set(flaky.id, [503, 502]);
    await api(t.url, 'POST', `/api/v1/cases/${flaky.id}/shutdown`, { reason: 'scanning the neighbourhood' });
    const done = await statusIs(flaky.id, 'shut-down', 15_000);
    expect(plane.forCase(flaky.id)).toHaveLength(3);
    expect(new Set(plane.forCase(flaky.id).map((r) => r.key)).size).toBe(1);
    expect(plane.performedFor(flaky.id)).toHaveLength(1);
    expect(done.deploymentActions[0]).toMatchObject({ attempts: 3, status: 'succeeded' });
  });

  it('re-checks at once when the owner reports a fix, and mitigates if the traffic stopped', async () => {
    const old = Date.now() - 30 * 60_000;
    const c = await openCase(
      makeFinding({
        vmId: 'vm-2',
        kind: 'amplification',
        lastSeen: new Date(old).toISOString(),
        firstSeen: new Date(old - 1000).toISOString(),
      }),
    );
    const r = await t.app
      .get(CustomerActionsService)
      .reportFixed(c.id, { text: 'closed UDP 123 to the internet', from: 'ops@owner.example' });
    expect(r.accepted).toBe(true);
    const m = await statusIs(c.id, 'mitigated');
    expect(
      m.timeline.some((e: { type: string; actor: string }) => e.type === 'report-fixed' && e.actor === 'customer'),
    ).toBe(true);
  });

  it('reads due deadlines through the partial index, not the table', async () => {
    // Many closed cases and a few open ones, as in production; then ask the planner.
    await db.query(`
      INSERT INTO cases (vm_id, deployment_id, subscription_id, role, direction, kind, severity, status, resolution,
                         closed_at, deadline_at, evidence)
      SELECT 'vm-x' || g, 'dep-1', 'sub-1', 'source', 'outbound', 'port-scan', 'medium', 'resolved', 'true-positive',
             now(), now() - interval '1 day', '{}'::jsonb
        FROM generate_series(1, 5000) g`);
    await db.query('ANALYZE cases');
    const plan = await t.app.get(CaseQueryService).explainDue('deadlines', new Date(), 100);
    expect(plan).toMatch(/Index Scan using cases_deadline_due_idx/);
    expect(plan).not.toMatch(/Seq Scan/);
    await db.query(`DELETE FROM cases WHERE vm_id LIKE 'vm-x%'`);
  });

  it('records a dry run, plainly, when no control plane is configured', async () => {
    const dry = await startTestApp({
      env: { REDIS_URL: redis.url.replace(/\/?$/, '/3'), CASE_DEADLINE_DEFAULT: '1h' },
    });
    try {
      await api(dry.url, 'POST', '/api/v1/inventory/import', INVENTORY);
      await dry.app.get(OpenCaseService).ingest([makeFinding({ vmId: 'vm-1', kind: 'flood' }) as never]);
      const c = (await api(dry.url, 'GET', '/api/v1/cases?kind=flood')).body[0];
      await api(dry.url, 'POST', `/api/v1/cases/${c.id}/shutdown`, { reason: 'flooding' });
      const done = await waitFor(async () => {
        const x = (await api(dry.url, 'GET', `/api/v1/cases/${c.id}`)).body;
        return x.status === 'shut-down' ? x : null;
      });
      const entry = done.timeline.find((e: { toStatus: string }) => e.toStatus === 'shut-down');
      expect(entry.reason).toMatch(/dry run: .* NOT performed/);
      expect(entry.details).toMatchObject({ dryRun: true, provider: 'dry-run' });
    } finally {
      await dry.close();
    }
  });
});

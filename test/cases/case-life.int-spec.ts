import { Client } from 'pg';
import { CASE_NOTIFIER, CustomerActionsService, type CaseNotice } from '@sg/cases';
import { createRedisClient, QueueService, type FindingDocument } from '@sg/queues';
import { SUPPRESSIONS_CHANGED_CHANNEL, SuppressionRulesService } from '@sg/suppression';
import { startRedisServer } from '../support/redis-server';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { caseReader } from './support/case-reader';
import { ControlPlane } from './support/control-plane';
import { INVENTORY, makeFinding } from './support/findings';
import { sleep, waitFor } from './support/wait-for';

const SECRET = 'control-plane-secret-0123456789';
const DEADLINE_MS = 2000;

/**
 * Whole case lives in seconds (deadline 2s, reminder at half time, reconciler every 500ms), on a
 * real PostgreSQL, a throw-away Redis of its own (so no other suite's workers take these jobs; on
 * the Redis Cluster of REDIS_CLUSTER when that is set, its queues private by their prefix) and
 * a real HTTP control plane that checks signatures and performs each Idempotency-Key once.
 */
describe('case life: finding -> case -> deadline -> re-check -> shutdown / mitigated (real PostgreSQL, Redis, HTTP)', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>> | null = null;
  let plane: ControlPlane;
  let t: TestApp;
  let db: Client;
  const notices: CaseNotice[] = [];

  beforeAll(async () => {
    redis = process.env.REDIS_CLUSTER ? null : await startRedisServer();
    plane = await ControlPlane.start(SECRET);
    t = await startTestApp({
      env: {
        ...(redis ? { REDIS_URL: redis.url } : {}),
        CASE_DEADLINE_DEFAULT: `${DEADLINE_MS}ms`,
        CASE_DEADLINE_FLOOD: `${DEADLINE_MS}ms`,
        RECHECK_WINDOW: '1m',
        CASE_REMINDERS: '50%',
        ESCALATION_RECONCILE_INTERVAL: '500ms',
        DEPLOYMENT_CONTROL_URL: plane.url,
        DEPLOYMENT_CONTROL_SECRET: SECRET,
        DEPLOYMENT_CONTROL_TIMEOUT: '2s',
        JOB_LOCK_DURATION: '2s',
      },
    });
    const notifier = t.app.get(CASE_NOTIFIER) as { notify: (n: CaseNotice) => Promise<void> };
    jest.spyOn(notifier, 'notify').mockImplementation(async (n) => {
      notices.push(n);
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

  const send = (f: FindingDocument) =>
    t.app.get(QueueService).enqueue({ queue: 'findings', name: 'finding.upsert', data: { finding: f } });
  const get = (id: string) => caseReader(t.url).get(id);
  const caseFor = (vmId: string, kind: string) => caseReader(t.url).caseFor(vmId, kind);
  const statusIs = (id: string, status: string, timeout?: number) => caseReader(t.url).statusIs(id, status, timeout);
  const noticesFor = (id: string) => notices.filter((n) => n.case.id === id).map((n) => n.event);

  let shutCaseId = '';

  it('(a) a source that goes on past its deadline is shut down once, by one signed request, with the reasons on record', async () => {
    await send(makeFinding({ vmId: 'vm-1', kind: 'port-scan' }));
    const opened = await caseFor('vm-1', 'port-scan');
    expect(opened).toMatchObject({
      role: 'source',
      direction: 'outbound',
      deploymentId: 'dep-1',
      subscriptionId: 'sub-1',
    });
    expect(Date.parse(opened.deadlineAt) - Date.parse(opened.openedAt)).toBe(DEADLINE_MS);
    await statusIs(opened.id, 'notified');

    const c = await statusIs(opened.id, 'shut-down');
    await sleep(1500); // nothing more may arrive
    const requests = plane.forCase(c.id);
    expect(plane.performedFor(c.id)).toHaveLength(1);
    expect(new Set(requests.map((r) => r.key)).size).toBe(1);
    expect(requests.every((r) => r.signatureOk)).toBe(true);
    expect(requests[0].json).toEqual({
      action: 'shutdown',
      deploymentId: 'dep-1',
      vmIds: ['vm-1', 'vm-2'],
      caseId: c.id,
      requestedAt: expect.any(String),
    });
    expect(requests[0].at).toBeGreaterThanOrEqual(Date.parse(opened.deadlineAt));

    const pending = c.timeline.find((e: { toStatus: string }) => e.toStatus === 'shutdown-pending');
    expect(pending.reason).toMatch(/deadline .* passed with no request from the owner .* no hold; .* still active/);
    expect(pending.details).toMatchObject({
      deadlineAt: opened.deadlineAt,
      pendingRequest: null,
      hold: null,
      recheck: { stillActive: true, figures: { source: 'case evidence', flows: 120 } },
      request: { idempotencyKey: requests[0].key, vmIds: ['vm-1', 'vm-2'] },
    });
    const done = c.timeline.find((e: { toStatus: string }) => e.toStatus === 'shut-down');
    expect(done.details).toMatchObject({ idempotencyKey: requests[0].key, statusCode: 200, dryRun: false });
    expect(c.timeline.some((e: { type: string }) => e.type === 'reminder')).toBe(true);
    expect(c.deploymentActions).toEqual([
      expect.objectContaining({ action: 'shutdown', status: 'succeeded', idempotencyKey: requests[0].key }),
    ]);
    expect(noticesFor(c.id)).toEqual(['case-opened', 'final-warning', 'shutdown']);
    shutCaseId = c.id;
  });

  it('(b) a deadline with the traffic stopped mitigates the case; nothing is shut down', async () => {
    const stopped = Date.now() - 10 * 60_000;
    await send(
      makeFinding({
        vmId: 'vm-1',
        kind: 'brute-force',
        firstSeen: new Date(stopped - 60_000).toISOString(),
        lastSeen: new Date(stopped).toISOString(),
        status: 'ended',
      }),
    );
    const opened = await caseFor('vm-1', 'brute-force');
    const c = await statusIs(opened.id, 'mitigated');
    expect(c.resolution).toBe('mitigated');
    const entry = c.timeline.find((e: { toStatus: string }) => e.toStatus === 'mitigated');
    expect(entry.details.recheck).toMatchObject({ stillActive: false, windowMs: 60_000 });
    await sleep(500);
    expect(plane.forCase(c.id)).toHaveLength(0);
    expect(noticesFor(c.id)).toContain('mitigated');
  });

  it('(c) an extension moves the deadline: nothing happens at the old one', async () => {
    await send(makeFinding({ vmId: 'vm-1', kind: 'spam' }));
    const opened = await caseFor('vm-1', 'spam');
    await statusIs(opened.id, 'notified');
    const customer = t.app.get(CustomerActionsService);
    const asked = await customer.requestExtension(opened.id, {
      requestedMs: 3000,
      text: 'We are rebuilding the VM, please give us until tonight',
      from: 'ops@owner.example',
    });
    expect(asked).toMatchObject({ accepted: true, status: 'extension-requested' });

    const granted = await api(t.url, 'POST', `/api/v1/cases/${opened.id}/extension/grant`, {
      reason: 'rebuild under way',
    });
    expect(granted.status).toBe(200);
    expect(granted.body.status).toBe('extended');
    const newDeadline = Date.parse(granted.body.deadlineAt);
    expect(newDeadline).toBeGreaterThanOrEqual(Date.parse(opened.deadlineAt) + 3000);
    expect(granted.body.extensions).toEqual({ count: 1, totalMs: 3000 });

    await waitFor(() => Date.now() > Date.parse(opened.deadlineAt) + 800, 10_000);
    expect((await get(opened.id)).status).toBe('extended');
    expect(plane.forCase(opened.id)).toHaveLength(0);

    const c = await statusIs(opened.id, 'shut-down', 15_000);
    expect(plane.performedFor(c.id)).toHaveLength(1);
    expect(plane.forCase(c.id)[0].at).toBeGreaterThanOrEqual(newDeadline);
    expect(noticesFor(c.id)).toEqual(expect.arrayContaining(['extension-received', 'extension-granted']));
  });

  it('(d) an approved exception creates a suppression rule; the same finding then opens no case', async () => {
    const sub = createRedisClient(t.config, 'test-announcements', true);
    const announced: string[] = [];
    await sub.subscribe(SUPPRESSIONS_CHANGED_CHANNEL);
    sub.on('message', (_c, m) => announced.push(m));
    try {
      const finding = makeFinding({ vmId: 'vm-2', kind: 'mining', ports: [3333] });
      await send(finding);
      const opened = await caseFor('vm-2', 'mining');
      await statusIs(opened.id, 'notified');
      const customer = t.app.get(CustomerActionsService);
      const asked = await customer.requestException(opened.id, {
        description: 'vm-2 runs our own mining pool benchmark against pool.example on port 3333',
        from: 'ops@owner.example',
      });
      expect(asked.accepted).toBe(true);

      const approved = await api(t.url, 'POST', `/api/v1/cases/${opened.id}/exception/approve`, {
        scope: 'vm',
        ports: [3333],
        reason: 'confirmed with the owner: benchmark traffic',
      });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ status: 'closed', resolution: 'expected-behaviour' });

      const rules = (await api(t.url, 'GET', '/api/v1/suppression-rules')).body;
      const rule = rules.find((r: { createdFromCase: string }) => r.createdFromCase === opened.id);
      expect(rule).toMatchObject({ scope: 'vm', scopeId: 'vm-2', kind: 'mining', role: 'source', ports: [3333] });
      expect(rule.description).toContain('benchmark');
      expect(await t.app.get(SuppressionRulesService).listActive()).toContainEqual(
        expect.objectContaining({ id: rule.id, scope: { vmId: 'vm-2' }, kind: 'mining', ports: [3333] }),
      );
      await waitFor(() => announced.includes(rule.id), 5000, 'the change announcement');

      // Re-sent by detection before it reloaded (no `suppressed`), then with `suppressed` set.
      const resent = { ...finding, lastSeen: new Date().toISOString(), counts: { ...finding.counts, flows: 500 } };
      await send(resent);
      const other = makeFinding({
        vmId: 'vm-2',
        kind: 'mining',
        ports: [3333],
        suppressed: { ruleId: rule.id, reason: 'exception' },
      });
      await send(other);
      const rows = await waitFor(async () => {
        const r = await db.query(
          `SELECT finding_id, case_id, suppressed_rule_id FROM case_findings WHERE finding_id = ANY($1) AND suppressed_rule_id IS NOT NULL`,
          [[finding.id, other.id]],
        );
        return r.rows.length === 2 ? r.rows : null;
      });
      expect(rows!.every((r: { suppressed_rule_id: string }) => r.suppressed_rule_id === rule.id)).toBe(true);
      const cases = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-2&kind=mining')).body;
      expect(cases).toHaveLength(1);
      expect(cases[0]).toMatchObject({ id: opened.id, status: 'closed' });
      const counted = (await api(t.url, 'GET', '/api/v1/suppression-rules')).body.find(
        (r: { id: string }) => r.id === rule.id,
      );
      expect(Number(counted.matchedCount)).toBe(2);
      expect(noticesFor(opened.id)).toEqual(expect.arrayContaining(['exception-received', 'exception-approved']));

      // Revoking: a rule id is checked as a rule id, and the rule stops applying (announced again).
      const bad = await api(t.url, 'DELETE', '/api/v1/suppression-rules/not-a-uuid');
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toEqual([{ field: 'id', message: 'must be a suppression rule id (UUID)' }]);
      const revoked = await api(t.url, 'DELETE', `/api/v1/suppression-rules/${rule.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      expect((await t.app.get(SuppressionRulesService).listActive()).map((r) => r.id)).not.toContain(rule.id);
      await waitFor(() => announced.filter((id) => id === rule.id).length === 2, 5000, 'the revocation announcement');
    } finally {
      sub.disconnect();
    }
  });

  it('(e) a responder hold stops the shutdown; releasing it lets escalation run', async () => {
    await send(makeFinding({ vmId: 'vm-2', kind: 'malicious-peer' }));
    const opened = await caseFor('vm-2', 'malicious-peer');
    await statusIs(opened.id, 'notified');
    const held = await api(t.url, 'POST', `/api/v1/cases/${opened.id}/hold`, {
      reason: 'talking to the owner on the phone',
    });
    expect(held.status).toBe(200);
    expect(held.body.hold).toMatchObject({ by: 'ADMIN_TOKEN', reason: 'talking to the owner on the phone' });

    await waitFor(() => Date.now() > Date.parse(opened.deadlineAt) + 1500, 10_000);
    const c = await get(opened.id);
    expect(c.status).toBe('notified');
    expect(plane.forCase(opened.id)).toHaveLength(0);
    const wait = c.timeline.find((e: { type: string }) => e.type === 'escalation-wait');
    expect(wait.reason).toMatch(/held by ADMIN_TOKEN/);
    expect(wait.visibility).toBe('internal');

    expect((await api(t.url, 'POST', `/api/v1/cases/${opened.id}/release`, {})).status).toBe(200);
    await statusIs(opened.id, 'shut-down');
    expect(plane.performedFor(opened.id)).toHaveLength(1);
  });

  it('(f) a restart goes through the same control plane; traffic after it reopens the watch', async () => {
    expect(shutCaseId).not.toBe('');
    const res = await api(t.url, 'POST', `/api/v1/cases/${shutCaseId}/restart`, { reason: 'owner rebuilt the VM' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('restart-pending');
    const c = await statusIs(shutCaseId, 'restarted');
    const restarts = plane.performedFor(shutCaseId, 'restart');
    expect(restarts).toHaveLength(1);
    expect(restarts[0].signatureOk).toBe(true);
    expect(restarts[0].json).toMatchObject({ action: 'restart', deploymentId: 'dep-1', vmIds: ['vm-1', 'vm-2'] });
    expect(restarts[0].key).not.toBe(plane.performedFor(shutCaseId, 'shutdown')[0].key);
    expect(c.restartedAt).not.toBeNull();
    expect(noticesFor(shutCaseId)).toContain('restarted');

    // The scan comes back after the restart: the case watches again, with a fresh deadline.
    await send(makeFinding({ vmId: 'vm-1', kind: 'port-scan', lastSeen: new Date(Date.now() + 1000).toISOString() }));
    const back = await waitFor(async () => {
      const x = await get(shutCaseId);
      return ['open', 'notified'].includes(x.status) ? x : null;
    });
    expect(Date.parse(back.deadlineAt)).toBeGreaterThan(Date.parse(c.restartedAt));
    expect((await api(t.url, 'POST', `/api/v1/cases/${shutCaseId}/hold`, { reason: 'watching' })).status).toBe(200);
  });
});

import Redis from 'ioredis';
import { CASE_NOTIFIER, type CaseNotice } from '@sg/cases';
import { EvidenceTrafficRecheck } from '@sg/escalation';
import { liveRecheckChannel, QueueService, type FindingDocument, type LiveRecheckRequest } from '@sg/queues';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { caseReader } from './support/case-reader';
import { ControlPlane } from './support/control-plane';
import { makeFinding } from './support/findings';
import { sleep, waitFor } from './support/wait-for';

const SECRET = 'control-plane-secret-0123456789';
/** Deadline of the scan case (CASE_DEADLINE_DEFAULT): long enough for the evidence to age past the window. */
const DEADLINE_MS = 40_000;
/** Deadline of the injected flood findings (CASE_DEADLINE_FLOOD). */
const FLOOD_DEADLINE_MS = 4_000;
const RECHECK_TIMEOUT_MS = 2_000;

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

const INVENTORY = {
  subscriptions: [{ id: 'sub-1', name: 'Owner Ltd', contacts: ['ops@owner.example'] }],
  deployments: [
    { id: 'dep-scan', subscriptionId: 'sub-1', name: 'scanner' },
    { id: 'dep-pause', subscriptionId: 'sub-1', name: 'pauser' },
    { id: 'dep-silent', subscriptionId: 'sub-1', name: 'silent' },
    { id: 'dep-stopped', subscriptionId: 'sub-1', name: 'stopped' },
  ],
  vms: [
    { id: 'vm-scan', deploymentId: 'dep-scan', name: 'scan-1', addresses: [{ ip: '10.0.0.4' }] },
    { id: 'vm-pause', deploymentId: 'dep-pause', name: 'pause-1', addresses: [{ ip: '10.0.0.5' }] },
    { id: 'vm-silent', deploymentId: 'dep-silent', name: 'silent-1', addresses: [{ ip: '10.0.0.6' }] },
    { id: 'vm-stopped', deploymentId: 'dep-stopped', name: 'stopped-1', addresses: [{ ip: '10.0.0.7' }] },
  ],
};

type Scripted = { holds: boolean; present: boolean } | 'silent';

/**
 * The live re-check across processes, on real PostgreSQL and Redis: a detection process (API role:
 * HTTP flow ingestion and the engine) and a worker process (cases, escalation) on one database,
 * with RECHECK_WINDOW = 30 s. Beside the real detection process, the test itself listens on the
 * re-check channel as a second "detection process" whose answers it scripts (or withholds).
 */
describe('live re-check before a shutdown, and reopening without a new deadline (real PostgreSQL, Redis)', () => {
  let plane: ControlPlane;
  let det: TestApp;
  let work: TestApp;
  let ingest: string;
  let listener: Redis;
  let publisher: Redis;
  const script = new Map<string, Scripted>();
  const asked: LiveRecheckRequest[] = [];
  const notices: CaseNotice[] = [];

  beforeAll(async () => {
    plane = await ControlPlane.start(SECRET);
    const env = {
      CASE_DEADLINE_DEFAULT: `${DEADLINE_MS}ms`,
      CASE_DEADLINE_FLOOD: `${FLOOD_DEADLINE_MS}ms`,
      RECHECK_WINDOW: '30s',
      RECHECK_TIMEOUT: `${RECHECK_TIMEOUT_MS}ms`,
      CASE_REOPEN_WINDOW: '1h',
      CASE_REOPEN_GRACE: '0s',
      CASE_REMINDERS: 'none',
      ESCALATION_RECONCILE_INTERVAL: '1s',
      DEPLOYMENT_CONTROL_URL: plane.url,
      DEPLOYMENT_CONTROL_SECRET: SECRET,
      DEPLOYMENT_CONTROL_TIMEOUT: '2s',
    };
    det = await startTestApp({ roles: ['api'], env });
    work = await startTestApp({ roles: ['worker'], env, databaseUrl: det.databaseUrl });
    const notifier = work.app.get(CASE_NOTIFIER) as { notify: (n: CaseNotice) => Promise<void> };
    jest.spyOn(notifier, 'notify').mockImplementation(async (n) => {
      notices.push(n);
    });
    expect((await api(det.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
    ingest = (await api(det.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;

    // The scripted second detection process.
    publisher = new Redis(det.config.REDIS_URL);
    listener = new Redis(det.config.REDIS_URL);
    listener.on('message', (_channel: string, message: string) => {
      const q = JSON.parse(message) as LiveRecheckRequest;
      asked.push(q);
      const s = script.get(q.vmId) ?? { holds: false, present: false };
      if (s === 'silent') return;
      void publisher.publish(
        q.replyTo,
        JSON.stringify({ id: q.id, answer: { ...s, responder: 'scripted', figures: { reason: 'scripted' } } }),
      );
    });
    await listener.subscribe(liveRecheckChannel(det.config.QUEUE_PREFIX));
  });

  afterAll(async () => {
    listener?.disconnect();
    publisher?.disconnect();
    await work?.close();
    await det?.close();
    await plane?.close();
  });

  const get = (id: string) => caseReader(det.url).get(id);
  const caseFor = (vmId: string, kind: string, timeout = 30_000) => caseReader(det.url).caseFor(vmId, kind, timeout);
  const statusIs = (id: string, status: string, timeout = 20_000) => caseReader(det.url).statusIs(id, status, timeout);
  /** The worker's re-check counters (safeguards_recheck_total) as /metrics shows them. */
  const recheckCounts = async () => {
    const metrics = (await api(work.url, 'GET', '/metrics')).body as string;
    const count = (path: string, result: string) =>
      Number(
        new RegExp(`safeguards_recheck_total\\{path="${path}",result="${result}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ??
          0,
      );
    return { evidenceActive: count('evidence', 'active'), live: count('live', 'active') + count('live', 'stopped') };
  };
  const noticesFor = (id: string) => notices.filter((n) => n.case.id === id).map((n) => n.event);
  const send = (f: FindingDocument) =>
    work.app.get(QueueService).enqueue({ queue: 'findings', name: 'finding.upsert', data: { finding: f } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  type Entry = { toStatus: string; fromStatus: string; reason: string; details: Record<string, any> };

  it('a scan refreshed every 10 s is shut down at its deadline (RECHECK_WINDOW 30 s), once, from the live state; one that stopped 200 s before is not', async () => {
    // 12 new hosts probed on port 22 every 10 s, stamped now, through HTTP ingestion into detection.
    let n = 0;
    const burst = async () => {
      const t = Math.floor(Date.now() / 1000);
      const lines = [HEADER];
      for (let i = 0; i < 12; i++, n++)
        lines.push(
          `2 1 eni-s 10.0.0.4 198.51.${100 + ((n >> 8) % 50)}.${n & 255} ${40000 + (n % 20000)} 22 6 1 60 ${t} ${t} REJECT OK`,
        );
      const res = await fetch(`${det.url}/api/v1/flows/aws-vpc`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingest}`, 'content-type': 'text/plain' },
        body: lines.join('\n'),
      });
      expect(res.status).toBe(202);
    };
    // Beside it, a VM whose scan ended 200 s ago (its flow logs arrive now): stopped long before its deadline.
    const ended = Math.floor(Date.now() / 1000) - 200;
    const stoppedLines = [HEADER];
    for (let i = 0; i < 40; i++)
      stoppedLines.push(
        `2 1 eni-t 10.0.0.7 203.0.113.${i + 1} ${41000 + i} 22 6 1 60 ${ended - 10 + (i >> 2)} ${ended} REJECT OK`,
      );
    const stoppedRes = await fetch(`${det.url}/api/v1/flows/aws-vpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'text/plain' },
      body: stoppedLines.join('\n'),
    });
    expect(stoppedRes.status).toBe(202);
    await burst();
    const timer = setInterval(() => void burst(), 10_000);
    try {
      const opened = await caseFor('vm-scan', 'port-scan', 60_000);
      expect(opened.role).toBe('source');
      const notified = await statusIs(opened.id, 'notified');
      const deadline = Date.parse(notified.deadlineAt);
      // By the deadline the recorded evidence is older than the 30 s window (detection refreshes a
      // finding once per closed window step, minutes later): the old evidence re-check said "stopped".
      const pendingCase = await waitFor(
        async () => {
          const x = await get(opened.id);
          return x.status === 'shutdown-pending' || x.status === 'shut-down' || x.status === 'mitigated' ? x : null;
        },
        DEADLINE_MS + 30_000,
        'the deadline decision',
      );
      // What the old re-check (the case's evidence) answers at that moment: stopped. It would have
      // mitigated the case, and the next finding would have reopened it with a fresh deadline.
      const old = await work.app
        .get(EvidenceTrafficRecheck)
        .recheck({ vmId: 'vm-scan', role: 'source', kind: 'port-scan', windowMs: 30_000 });
      expect(pendingCase.status).not.toBe('mitigated');
      expect(old.stillActive).toBe(false);
      const c = await statusIs(opened.id, 'shut-down');
      const pending: Entry = c.timeline.find((e: Entry) => e.toStatus === 'shutdown-pending');
      expect(pending.reason).toMatch(/re-checked over the last 30000 ms \(live detection state\) is still active/);
      expect(pending.details.recheck).toMatchObject({
        stillActive: true,
        windowMs: 30_000,
        figures: { path: 'live', rule: 'port-scan.horizontal', firingNow: 'yes', windowSeconds: 30, listeners: 2 },
      });
      expect(pending.details.recheck.figures.fallbackReason).toBeUndefined();
      expect(Date.parse(pending.details.deadlineAt)).toBe(deadline);
      expect(c.timeline.some((e: Entry) => e.toStatus === 'mitigated')).toBe(false);
      expect(plane.performedFor(c.id)).toHaveLength(1);
      expect(plane.forCase(c.id)[0].at).toBeGreaterThanOrEqual(deadline);
      expect(noticesFor(c.id).filter((e) => e === 'case-opened' || e === 'case-reopened')).toEqual(['case-opened']);
      // The VM that stopped 200 s before: mitigated from the live state, though its rule window still fires.
      const stopped = await statusIs((await caseFor('vm-stopped', 'port-scan')).id, 'mitigated', DEADLINE_MS);
      const closing: Entry = stopped.timeline.find((e: Entry) => e.toStatus === 'mitigated');
      expect(closing.details.recheck).toMatchObject({
        stillActive: false,
        figures: { path: 'live' },
      });
      expect(closing.details.recheck.figures.reason).toMatch(/last seen before the last 30 s|pattern not present/);
      expect(plane.forCase(stopped.id)).toHaveLength(0);
      // Both detection processes were asked with exactly RECHECK_WINDOW.
      expect(asked.find((q) => q.vmId === 'vm-scan')).toMatchObject({
        role: 'source',
        kind: 'port-scan',
        windowMs: 30_000,
      });
    } finally {
      clearInterval(timer);
    }
  }, 150_000);

  it('a pause around the deadline mitigates; the traffic resuming keeps the passed deadline: shut down at once, no new red e-mail', async () => {
    script.set('vm-pause', { holds: true, present: false });
    const first = makeFinding({ vmId: 'vm-pause', deploymentId: 'dep-pause', kind: 'flood', subkind: 'syn' });
    await send(first);
    const opened = await caseFor('vm-pause', 'flood');
    await statusIs(opened.id, 'notified');
    const mitigated = await statusIs(opened.id, 'mitigated');
    const closing: Entry = mitigated.timeline.find((e: Entry) => e.toStatus === 'mitigated');
    expect(closing.reason).toMatch(/\(live detection state\) has stopped/);
    expect(closing.details.recheck.figures).toMatchObject({ path: 'live', responder: 'scripted' });
    const originalDeadline = Date.parse(mitigated.deadlineAt);

    // The attacker resumes after the deadline: the same incident's finding, updated.
    script.set('vm-pause', { holds: true, present: true });
    const resumedAt = Date.now();
    await send({ ...first, lastSeen: new Date().toISOString(), counts: { ...first.counts, flows: 500 } });
    const shut = await statusIs(opened.id, 'shut-down');
    const reopen: Entry = shut.timeline.find((e: Entry) => e.fromStatus === 'mitigated' && e.toStatus !== 'mitigated');
    expect(reopen.toStatus).toBe('notified');
    expect(reopen.details).toMatchObject({ reopenCount: 1, deadlineKept: false });
    expect(Date.parse(reopen.details.previousDeadlineAt)).toBe(originalDeadline);
    // The passed deadline became now + CASE_REOPEN_GRACE (0s): never a full new deadline.
    const newDeadline = Date.parse(reopen.details.deadlineAt);
    expect(newDeadline).toBeGreaterThanOrEqual(resumedAt - 1000);
    expect(newDeadline - resumedAt).toBeLessThan(FLOOD_DEADLINE_MS);
    expect(shut.reopenCount).toBe(1);
    const pending: Entry = shut.timeline.find((e: Entry) => e.toStatus === 'shutdown-pending');
    expect(pending.details).toMatchObject({
      reopenCount: 1,
      recheck: { stillActive: true, figures: { path: 'live' } },
    });
    expect(plane.performedFor(shut.id)).toHaveLength(1);
    await sleep(500);
    const events = noticesFor(shut.id);
    expect(events.filter((e) => e === 'case-opened' || e === 'case-reopened')).toEqual(['case-opened']);
    expect(events).toContain('traffic-resumed');
    expect(events.indexOf('traffic-resumed')).toBeGreaterThan(events.indexOf('mitigated'));
  }, 60_000);

  it('a detection process that does not answer: the evidence decides, and the timeline says why', async () => {
    const before = await recheckCounts();
    script.set('vm-silent', 'silent');
    await send(makeFinding({ vmId: 'vm-silent', deploymentId: 'dep-silent', kind: 'flood', subkind: 'syn' }));
    const opened = await caseFor('vm-silent', 'flood');
    const c = await statusIs(opened.id, 'shut-down');
    const pending: Entry = c.timeline.find((e: Entry) => e.toStatus === 'shutdown-pending');
    expect(pending.reason).toMatch(
      /\(recorded evidence, because 1 of 2 detection process\(es\) answered within 2000 ms, none saw the pattern\)/,
    );
    expect(pending.details.recheck.figures).toMatchObject({
      path: 'evidence',
      source: 'case evidence',
      fallbackReason: '1 of 2 detection process(es) answered within 2000 ms, none saw the pattern',
    });
    const at = Date.parse(pending.details.deadlineAt);
    expect(plane.forCase(c.id)[0].at - at).toBeGreaterThanOrEqual(RECHECK_TIMEOUT_MS);
    // The worker counts what answered, by path and result: this one re-check, from the evidence.
    const after = await recheckCounts();
    expect(after.evidenceActive - before.evidenceActive).toBe(1);
    expect(after.live - before.live).toBe(0);
  }, 60_000);
});

import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { jobOptions, QueueName, QueueService } from '@sg/queues';
import { makeFinding } from '../cases/support/findings';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Malformed jobs on every real Redis queue, taken by the real processors of the worker role: each
 * fails at once for good (one attempt although the queue allows many), its reason naming the bad
 * field, and the same worker goes on to the good job queued right behind it.
 */
describe('job payloads on the real queues', () => {
  let t: TestApp;
  let queues: QueueService;

  beforeAll(async () => {
    t = await startTestApp({ roles: ['worker'] });
    queues = t.app.get(QueueService);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Adds a job as any producer could, bypassing the catalogue's types (a producer from elsewhere, an old version). */
  async function addRaw(queue: QueueName, name: string, data: unknown): Promise<Job> {
    return queues.queue(queue).add(name, data, jobOptions(queue, `raw:${randomUUID()}`));
  }

  async function settled(q: Queue, id: string): Promise<Job> {
    const until = Date.now() + 20_000;
    for (;;) {
      const state = await q.getJobState(id);
      // Read the job after its state settled: a copy read before holds no result or reason yet.
      if (state === 'completed' || state === 'failed') return (await q.getJob(id))!;
      if (Date.now() > until) throw new Error(`job ${id} still ${state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function expectRefused(queue: QueueName, job: Job, reason: RegExp): Promise<void> {
    const done = await settled(queues.queue(queue), job.id!);
    expect(await done.getState()).toBe('failed');
    expect(done.failedReason).toMatch(reason);
    // UnrecoverableError: no retry, although the queue allows several attempts.
    expect(done.opts.attempts).toBeGreaterThan(1);
    expect(done.attemptsMade).toBe(1);
  }

  it('findings: a finding with a bad role fails for good naming finding.role; the next finding opens a case', async () => {
    const bad = await addRaw(QueueName.FINDINGS, 'finding.upsert', {
      finding: { ...makeFinding({ vmId: 'vm-bad' }), role: 'bystander' },
    });
    const good = makeFinding({ vmId: 'vm-good', kind: 'brute-force' });
    const goodId = await queues.enqueue({
      queue: QueueName.FINDINGS,
      name: 'finding.upsert',
      data: { finding: good },
      jobId: `finding:${good.id}`,
    });

    await expectRefused(QueueName.FINDINGS, bad, /^bad finding\.upsert job: finding\.role: /);
    const done = await settled(queues.queue(QueueName.FINDINGS), goodId!);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toMatchObject({ opened: 1 });
    const rows = await t.app
      .get(DataSource)
      .query(`SELECT vm_id, kind FROM cases WHERE vm_id IN ('vm-bad', 'vm-good') ORDER BY vm_id`);
    expect(rows).toEqual([{ vm_id: 'vm-good', kind: 'brute-force' }]);
  });

  it('findings: a job of a name the queue does not carry fails for good', async () => {
    const odd = await addRaw(QueueName.FINDINGS, 'constructor', { finding: makeFinding() });
    await expectRefused(QueueName.FINDINGS, odd, /^unknown job constructor on the findings queue$/);
  });

  it('escalation: a deadline job without a valid round fails for good naming round; the next job runs', async () => {
    const caseId = randomUUID();
    const bad = await addRaw(QueueName.ESCALATION, 'escalation.deadline', {
      caseId,
      deadlineAt: new Date().toISOString(),
      round: 'first',
    });
    const good = await addRaw(QueueName.ESCALATION, 'escalation.deadline', {
      caseId,
      deadlineAt: new Date().toISOString(),
      round: 0,
    });
    await expectRefused(QueueName.ESCALATION, bad, /^bad escalation\.deadline job: round: /);
    const done = await settled(queues.queue(QueueName.ESCALATION), good.id!);
    expect(await done.getState()).toBe('completed');
    // No such case: the good job was read and acted on (nothing to do).
    expect(done.returnvalue).toBe('gone');
  });

  it('mail: a send job with a malformed outbox id fails for good naming outboxId; the next job runs', async () => {
    const bad = await addRaw(QueueName.MAIL, 'mail.send', { outboxId: 'row-7' });
    const good = await addRaw(QueueName.MAIL, 'mail.send', { outboxId: randomUUID() });
    await expectRefused(QueueName.MAIL, bad, /^bad mail\.send job: outboxId: /);
    const done = await settled(queues.queue(QueueName.MAIL), good.id!);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toBe('nothing to do');
  });

  it('dbwatch: an alert-mail job with a malformed server id fails for good naming serverId; the next job runs', async () => {
    const bad = await addRaw(QueueName.DBWATCH, 'dbwatch.alert-mail', {
      serverId: 'no such/server',
      alertType: 'brute-force',
    });
    // A server with no alerts: the good job has nothing to mail.
    const db = t.app.get(DataSource);
    await db.query(`INSERT INTO subscriptions (id, name) VALUES ('sub-db', 'S') ON CONFLICT DO NOTHING`);
    await db.query(
      `INSERT INTO db_servers (id, subscription_id, name, log_format) VALUES ('db-1', 'sub-db', 'pg', 'stderr')`,
    );
    const good = await addRaw(QueueName.DBWATCH, 'dbwatch.alert-mail', {
      serverId: 'db-1',
      alertType: 'brute-force',
    });
    await expectRefused(QueueName.DBWATCH, bad, /^bad dbwatch\.alert-mail job: serverId: /);
    const done = await settled(queues.queue(QueueName.DBWATCH), good.id!);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toBe('nothing-to-do');
  });

  it('deployment-control: a request without an action id fails for good naming actionId; the next is looked up', async () => {
    const bad = await addRaw(QueueName.DEPLOYMENT_CONTROL, 'deployment.shutdown', { caseId: randomUUID() });
    const next = await addRaw(QueueName.DEPLOYMENT_CONTROL, 'deployment.shutdown', {
      caseId: randomUUID(),
      actionId: randomUUID(),
    });
    await expectRefused(QueueName.DEPLOYMENT_CONTROL, bad, /^bad deployment\.shutdown job: actionId: /);
    // A well-formed request for a case that does not exist passes the payload check and is refused by the lookup.
    await expectRefused(QueueName.DEPLOYMENT_CONTROL, next, /^deployment\.shutdown: no such case or request$/);
  });
});

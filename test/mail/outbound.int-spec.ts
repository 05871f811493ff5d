import { Client } from 'pg';
import { mailJobId, OutboxService, type OutboxEntity } from '@sg/mail';
import { QueueName, QueueService } from '@sg/queues';
import { startRedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { makeMailCase } from './support/mail-case';
import { SmtpCatcher } from './support/smtp-catcher';
import { sleep, waitFor } from './support/wait-for';

const REPLY_DOMAIN = 'reply.sg.example';

describe('outbound mail (real PostgreSQL, Redis and SMTP)', () => {
  let t: TestApp;
  let catcher: SmtpCatcher;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let outbox: OutboxService;
  let db: Client;

  beforeAll(async () => {
    // A Redis of its own: the suite's "mail" queue is not shared with any other suite's workers.
    redis = await startRedisServer();
    catcher = await SmtpCatcher.start();
    t = await startTestApp({
      roles: ['worker'],
      env: {
        REDIS_URL: redis.url,
        SMTP_URL: catcher.url,
        MAIL_FROM: 'Safeguards <safeguards@sg.example>',
        MAIL_REPLY_DOMAIN: REPLY_DOMAIN,
        MAIL_RECONCILE_INTERVAL: '1s',
      },
    });
    outbox = t.app.get(OutboxService);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
    await catcher?.stop();
    await redis?.stop();
  });

  const row = async (id: string) =>
    (await db.query('SELECT status, attempts, last_error, sent_at FROM outbox WHERE id = $1', [id])).rows[0];

  it('(a) a red e-mail arrives with From, Reply-To, tag, Message-ID and both parts; the next mail of the case answers the first', async () => {
    const c = makeMailCase();
    const first = await outbox.enqueue({
      caseId: c.caseId,
      caseNumber: c.caseNumber,
      template: 'red-source',
      model: c.model,
      to: ['Owner@Customer.example', 'second@customer.example'],
    });
    const mail = await waitFor(
      () => catcher.withMessageId(first.messageId)[0],
      15_000,
      'the red e-mail at the SMTP server',
    );

    expect(mail.header('from')).toBe('Safeguards <safeguards@sg.example>');
    expect(mail.to.sort()).toEqual(['owner@customer.example', 'second@customer.example']);
    const replyTo = mail.mail.replyTo![0].address!;
    expect(replyTo).toMatch(new RegExp(`^case\\+[a-z2-7]{26}@${REPLY_DOMAIN.replace(/\./g, '\\.')}$`));
    // Bounces come back to the case's address too.
    expect(mail.from).toBe(replyTo);
    expect(mail.mail.subject).toMatch(
      new RegExp(
        `^\\[SG-${c.caseNumber}\\] Action required by Tue 2 Jun 2026 10:47 UTC: port scan from your VM web-frontend-01$`,
      ),
    );
    expect(mail.mail.messageId).toBe(`<${first.messageId}>`);
    expect(first.messageId.endsWith(`@${REPLY_DOMAIN}`)).toBe(true);
    expect(mail.header('auto-submitted')).toBe('auto-generated');
    expect(mail.mail.inReplyTo).toBeUndefined();
    for (const part of [mail.mail.html!, mail.mail.text!]) {
      expect(part).toContain('web-frontend-01');
      expect(part).toContain('203.0.113.17'); // evidence rows
      expect(part).toContain('198.51.100.200');
      expect(part).toContain('1,022');
      expect(part).toContain('outbound-port-scan');
      expect(part).toContain('Tue 2 Jun 2026 10:47 UTC'); // the deadline
      expect(part).toContain(replyTo);
    }
    // The SMTP server has it before the row says so: the row is marked after the server's 250.
    const sent = await waitFor(
      async () => {
        const r = await row(first.id);
        return r.status === 'sent' ? r : null;
      },
      5_000,
      'the row marked sent',
    );
    expect(sent).toMatchObject({ attempts: 1, last_error: null });

    const second = await outbox.enqueue({
      caseId: c.caseId,
      caseNumber: c.caseNumber,
      template: 'reminder',
      model: { case: c.model.case, deadlineAt: c.model.deadlineAt, timeLeftMs: 3_600_000 },
      to: ['owner@customer.example'],
    });
    const reminder = await waitFor(() => catcher.withMessageId(second.messageId)[0], 15_000, 'the reminder');
    expect(reminder.mail.inReplyTo).toBe(`<${first.messageId}>`);
    expect(reminder.mail.references).toContain(`<${first.messageId}>`);
    expect(reminder.mail.replyTo![0].address).toBe(replyTo);
    expect(reminder.mail.subject).toContain(`[SG-${c.caseNumber}] Reminder: 1 hour left`);
  });

  it('(b) with the SMTP server down the caller is not held up; the mail is retried and arrives exactly once when it is back', async () => {
    const c = makeMailCase();
    await catcher.stop();
    const started = Date.now();
    const queued = await outbox.enqueue({
      caseId: c.caseId,
      caseNumber: c.caseNumber,
      template: 'red-source',
      model: c.model,
      to: ['owner@customer.example'],
    });
    expect(Date.now() - started).toBeLessThan(2_000);

    // It is tried, fails, and waits (queued again, the error kept) — never lost, never failed.
    await waitFor(
      async () => {
        const r = await row(queued.id);
        return r.attempts >= 2 && r.status === 'queued' && /ECONNREFUSED|connect/i.test(r.last_error ?? '') ? r : null;
      },
      20_000,
      'two failed attempts',
    );
    await sleep(1_000);
    expect(catcher.withMessageId(queued.messageId)).toHaveLength(0);

    await catcher.listen(); // same port
    await waitFor(() => catcher.withMessageId(queued.messageId).length > 0, 40_000, 'delivery after the outage');
    await sleep(3_000); // any stray retry would arrive by now
    expect(catcher.withMessageId(queued.messageId)).toHaveLength(1);
    const r = await row(queued.id);
    expect(r.status).toBe('sent'); // 3 s after arrival: marked by now
    expect(r.attempts).toBeGreaterThanOrEqual(3);
  });

  it('a job Redis lost is queued again by the reconciler from PostgreSQL', async () => {
    const c = makeMailCase();
    await catcher.stop();
    const queued = await outbox.enqueue({
      caseId: c.caseId,
      caseNumber: c.caseNumber,
      template: 'red-source',
      model: c.model,
      to: ['owner@customer.example'],
    });
    const queue = t.app.get(QueueService).queue(QueueName.MAIL);
    await waitFor(async () => (await row(queued.id)).attempts >= 1, 10_000, 'a first attempt');
    // Redis forgets the job (a flush, a failover).
    await waitFor(
      async () => {
        const job = await queue.getJob(mailJobId(queued.id));
        if (!job) return true;
        try {
          await job.remove();
          return true;
        } catch {
          return false; // locked by the worker right now
        }
      },
      10_000,
      'the job removed',
    );
    await catcher.listen();
    await waitFor(() => catcher.withMessageId(queued.messageId).length > 0, 20_000, 'delivery by the reconciler');
    await waitFor(async () => (await row(queued.id)).status === 'sent', 5_000, 'the row marked sent');
  });

  it('a permanent 5xx for every recipient marks the mail failed and the recipient failing', async () => {
    const c = makeMailCase();
    catcher.refuse.add('gone@customer.example');
    const m: OutboxEntity = await outbox.enqueue({
      caseId: c.caseId,
      caseNumber: c.caseNumber,
      template: 'red-source',
      model: c.model,
      to: ['gone@customer.example'],
    });
    const r = await waitFor(
      async () => {
        const x = await row(m.id);
        return x.status === 'failed' ? x : null;
      },
      15_000,
      'the mail marked failed',
    );
    expect(r.attempts).toBe(1);
    expect(r.last_error).toMatch(/550/);
    const states = await outbox.recipientStates(['gone@customer.example']);
    expect(states).toMatchObject([{ address: 'gone@customer.example', status: 'failing', failures: 1 }]);
  });

  it('a bad request is refused before anything is stored', async () => {
    const c = makeMailCase();
    await expect(
      outbox.enqueue({
        caseId: c.caseId,
        caseNumber: c.caseNumber,
        template: 'red-source',
        model: c.model,
        to: ['a@b.example\r\nBcc: x@y'],
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      outbox.enqueue({
        caseId: c.caseId,
        caseNumber: c.caseNumber + 1,
        template: 'red-source',
        model: c.model,
        to: ['a@b.example'],
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect((await db.query('SELECT count(*)::int AS n FROM outbox WHERE case_id = $1', [c.caseId])).rows[0].n).toBe(0);
  });
});

import { DataSource } from 'typeorm';
import { CaseReplyHandler } from '@sg/case-mail';
import { InboundSmtpServer, REPLY_HANDLER, type ReplyHandler } from '@sg/mail';
import { QueueName, QueueService } from '@sg/queues';
import { INVENTORY, makeFinding } from '../cases/support/findings';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { SmtpCatcher } from './support/smtp-catcher';
import { swaks } from './support/swaks';
import { sleep, waitFor } from './support/wait-for';

const DOMAIN = 'replies.example';
const OWNER = 'ops@owner.example';

/**
 * The owner's answers to a red e-mail, sent with the real SMTP client swaks to the built-in
 * receiver, change the case through the cases module: an extension request moves the deadline,
 * an exception request puts the case into review; an out-of-office reply and a stranger's reply
 * change nothing.
 */
describe('replies to red e-mails act on the case', () => {
  let t: TestApp;
  let catcher: SmtpCatcher;
  let port: number;
  let caseId: string;
  let replyTo: string;
  let subject: string;

  const caseNow = async () => (await api(t.url, 'GET', `/api/v1/cases/${caseId}`)).body;
  const send = (from: string, body: string, extra: string[] = []) =>
    swaks(port, ['--from', from, '--to', replyTo, '--header', `Subject: Re: ${subject}`, '--body', body, ...extra]);

  beforeAll(async () => {
    catcher = await SmtpCatcher.start();
    t = await startTestApp({ env: { SMTP_URL: catcher.url, MAIL_REPLY_DOMAIN: DOMAIN } });
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
    port = t.app.get(InboundSmtpServer).port!;
    await t.app
      .get(QueueService)
      .enqueue({ queue: QueueName.FINDINGS, name: 'finding.upsert', data: { finding: makeFinding() } });
    const red = (await waitFor(() => catcher.received.find((m) => m.to.includes(OWNER)), 20_000, 'red e-mail'))!;
    replyTo = red.header('reply-to')!.replace(/^.*<|>.*$/g, '');
    subject = red.mail.subject!;
    const list = await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1');
    caseId = list.body[0].id;
  });
  afterAll(async () => {
    await t?.close();
    await catcher?.stop();
  });

  it('an out-of-office reply and a stranger change nothing', async () => {
    const before = await caseNow();
    const ooo = await send(OWNER, 'I am out of the office until Monday.', ['--header', 'Auto-Submitted: auto-replied']);
    expect(ooo.code).toBe(0);
    const stranger = await send('someone@elsewhere.example', 'Please give us 48 more hours.');
    expect(stranger.code).toBe(0);
    await waitFor(
      async () => (await caseNow()).timeline.some((e: { reason?: string }) => e.reason?.includes('48 more hours')),
      15_000,
      'unverified reply on the timeline',
    );
    await sleep(500);
    const after = await caseNow();
    expect(after.status).toBe(before.status);
    expect(after.deadlineAt).toBe(before.deadlineAt);
  });

  it('an extension request from the owner moves the deadline', async () => {
    const before = await caseNow();
    expect(before.deadlineAt).not.toBeNull();
    const r = await send(OWNER, 'Hello, please give us 48 more hours to rebuild the VM.\n\nThanks, Ops');
    expect(r.code).toBe(0);
    const after = await waitFor(
      async () => {
        const c = await caseNow();
        return c.deadlineAt !== before.deadlineAt ? c : null;
      },
      15_000,
      'deadline moved',
    );
    expect(after!.status).toBe('extended');
    expect(Date.parse(after!.deadlineAt) - Date.parse(before.deadlineAt)).toBeGreaterThanOrEqual(47 * 3600_000);
  });

  it('an exception request from the owner puts the case into review', async () => {
    const r = await send(
      OWNER,
      'This traffic is expected: vm web-1 runs our uptime monitor, which checks port 22 on our partners hosts every minute.',
    );
    expect(r.code).toBe(0);
    const c = await waitFor(
      async () => {
        const x = await caseNow();
        return x.status === 'exception-requested' ? x : null;
      },
      15_000,
      'exception review',
    );
    expect(c!.status).toBe('exception-requested');
  });

  it('a reply handed over again (its handling not recorded) is not acted on twice', async () => {
    const ds = t.app.get(DataSource);
    const [row] = await ds.query(
      `SELECT id, decision FROM inbound_messages WHERE case_id = $1 AND classification = 'exception' ORDER BY received_at DESC LIMIT 1`,
      [caseId],
    );
    expect(row?.decision?.inboundMessageId).toBe(row.id);
    const entries = async () =>
      Number(
        (
          await ds.query(
            `SELECT count(*) AS n FROM case_timeline WHERE case_id = $1 AND details->>'inboundMessageId' = $2`,
            [caseId, row.id],
          )
        )[0].n,
      );
    expect(await entries()).toBe(1);
    const before = await caseNow();
    // The bridge gave mail its reply handler through MailModule.forRoot({replyHandler}).
    const handler = t.app.get<ReplyHandler>(REPLY_HANDLER, { strict: false });
    expect(handler).toBeInstanceOf(CaseReplyHandler);
    await handler.handle(row.decision);
    await handler.handle(row.decision);
    expect(await entries()).toBe(1);
    const after = await caseNow();
    expect(after.timeline.length).toBe(before.timeline.length);
    expect(after.status).toBe('exception-requested');
  });
});

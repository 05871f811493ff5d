import { QueueName, QueueService } from '@sg/queues';
import { makeFinding, INVENTORY } from '../cases/support/findings';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { SmtpCatcher } from './support/smtp-catcher';
import { waitFor } from './support/wait-for';

/**
 * A finding becomes a case, and the case's owner gets the red e-mail at a real SMTP server: the
 * cases module's notices reach the mail outbox through MailCaseNotifier.
 */
describe('case notices by e-mail', () => {
  let t: TestApp;
  let catcher: SmtpCatcher;

  beforeAll(async () => {
    catcher = await SmtpCatcher.start();
    t = await startTestApp({ env: { SMTP_URL: catcher.url, MAIL_REPLY_DOMAIN: 'replies.example' } });
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await catcher?.stop();
  });

  it('sends the red e-mail of a new source case to the subscription contacts', async () => {
    const finding = makeFinding();
    await t.app.get(QueueService).enqueue({ queue: QueueName.FINDINGS, name: 'finding.upsert', data: { finding } });
    const mail = (await waitFor(
      () => catcher.received.find((m) => m.to.includes('ops@owner.example')),
      20_000,
      'red e-mail',
    ))!;
    expect(mail.mail.subject).toMatch(/\[SG-\d+\]/);
    expect(mail.mail.text).toContain('web-1');
    expect(mail.mail.html).toContain('web-1');
    expect(mail.mail.text).toContain('198.51.100.10');
    expect(mail.header('reply-to')).toMatch(/case\+[a-z0-9]+@replies\.example/);
    // One case, one red e-mail: an update of the same finding sends nothing new.
    await t.app.get(QueueService).enqueue({
      queue: QueueName.FINDINGS,
      name: 'finding.upsert',
      data: { finding: { ...finding, counts: { ...finding.counts, flows: 999 } } },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(catcher.received.filter((m) => m.to.includes('ops@owner.example'))).toHaveLength(1);
  });
});

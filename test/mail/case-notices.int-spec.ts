import { mailFormat } from '../../libs/mail/src/templates/mail-format';
import { QueueService } from '@sg/queues';
import { INVENTORY, makeFinding } from '../cases/support/findings';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { SmtpCatcher } from './support/smtp-catcher';
import { waitFor } from './support/wait-for';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/**
 * Flows in, red e-mail out: AWS VPC flow logs of an SSH scan from a VM go through attribution,
 * detection, the findings queue and the cases module, and the owner's red e-mail arrives at a real
 * SMTP server with its reply address, subject tag, evidence and deadline in both parts.
 */
describe('a case opened from flows sends the red e-mail', () => {
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

  it('reaches the subscription contacts once per case', async () => {
    // 200 rejected SYN probes from vm-1 (10.0.0.5) to distinct hosts on port 22, ten minutes ago.
    const t0 = Math.floor(Date.now() / 1000) - 600;
    const lines = [HEADER];
    for (let i = 0; i < 200; i++) {
      const s = t0 + Math.floor(i * 0.6);
      lines.push(
        `2 1 eni-a 10.0.0.5 198.51.${100 + (i >> 8)}.${i & 255} ${40000 + i} 22 6 1 60 ${s} ${s + 1} REJECT OK`,
      );
    }
    const res = await fetch(`${t.url}/api/v1/flows/aws-vpc`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', 'content-type': 'text/plain' },
      body: lines.join('\n'),
    });
    expect(res.status).toBe(202);

    const mail = (await waitFor(
      () => catcher.received.find((m) => m.to.includes('ops@owner.example')),
      30_000,
      'red e-mail',
    ))!;
    const cases = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1')).body as {
      id: string;
      number: number;
      deadlineAt: string;
    }[];
    expect(cases).toHaveLength(1);
    const deadline = mailFormat.date(cases[0].deadlineAt);
    expect(mail.mail.subject).toContain(`[SG-${cases[0].number}]`);
    expect(mail.header('reply-to')).toMatch(/case\+[a-z0-9]+@replies\.example/);
    for (const part of [mail.mail.text!, mail.mail.html!]) {
      expect(part).toContain('web-1');
      expect(part).toContain('198.51.100.');
      expect(part).toContain('port-scan.horizontal');
      expect(part).toContain(deadline);
    }
    // Later updates of the same attack add evidence to the case; they send no second red e-mail.
    await new Promise((r) => setTimeout(r, 2000));
    expect(catcher.received.filter((m) => m.to.includes('ops@owner.example'))).toHaveLength(1);
  });

  it('a case that comes back after it was closed sends "traffic resumed" with the deadline that stands, no second red e-mail', async () => {
    const [c] = (await api(t.url, 'GET', '/api/v1/cases?vmId=vm-1&kind=port-scan')).body as {
      id: string;
      number: number;
      deadlineAt: string;
    }[];
    const closed = await api(t.url, 'POST', `/api/v1/cases/${c.id}/close`, {
      resolution: 'true-positive',
      reason: 'owner rebuilt the VM',
    });
    expect(closed.body.status).toBe('resolved');
    await t.app
      .get(QueueService)
      .enqueue({ queue: 'findings', name: 'finding.upsert', data: { finding: makeFinding({ vmId: 'vm-1' }) } });
    const resumed = (await waitFor(
      () => catcher.received.find((m) => m.mail.subject?.includes('Traffic resumed')),
      30_000,
      'traffic-resumed e-mail',
    ))!;
    expect(resumed.mail.subject).toContain(`[SG-${c.number}]`);
    for (const part of [resumed.mail.text!, resumed.mail.html!]) {
      expect(part).toContain('web-1');
      expect(part).toContain(mailFormat.date(c.deadlineAt));
    }
    expect((await api(t.url, 'GET', `/api/v1/cases/${c.id}`)).body).toMatchObject({
      status: 'notified',
      reopenCount: 1,
      deadlineAt: c.deadlineAt,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const toOwner = catcher.received.filter((m) => m.to.includes('ops@owner.example'));
    expect(toOwner.filter((m) => m.mail.subject?.includes('Action required'))).toHaveLength(1);
  });
});

import { Client } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CustomerLinks } from '@sg/common';
import { InboundSmtpServer } from '@sg/mail';
import { OpenCaseService } from '@sg/cases';
import { makeFinding } from '../cases/support/findings';
import { ADMIN_TOKEN, api, startTestApp, type TestApp } from '../support/test-app';
import { ControlPlane } from '../cases/support/control-plane';
import { waitFor } from '../cases/support/wait-for';
import { SmtpCatcher, type CaughtMail } from '../mail/support/smtp-catcher';
import { swaks } from '../mail/support/swaks';
import { launchChromium, screenshots, seriousViolations } from './support/browser';

const SECRET = 'control-plane-secret-0123456789';
const PUBLIC_URL = 'https://safeguards.example';
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** AWS VPC flow log lines: an outbound SSH scan from 10.20.0.4 and an SSH brute force against 10.20.0.5. */
function flows(): string {
  const t0 = Math.floor(Date.now() / 1000) - 600;
  const lines = [HEADER];
  for (let i = 0; i < 300; i++) {
    const t = t0 + Math.floor(i / 3);
    lines.push(
      `2 1 eni-scan 10.20.0.4 198.51.${100 + (i >> 8)}.${i & 255} ${40000 + i} 22 6 1 60 ${t} ${t + 1} REJECT OK`,
    );
  }
  for (let i = 0; i < 60; i++) {
    const t = t0 + i * 4;
    lines.push(`2 1 eni-ssh 203.0.113.66 10.20.0.5 ${50000 + i} 22 6 21 3400 ${t} ${t + 3} ACCEPT OK`);
    lines.push(`2 1 eni-ssh 10.20.0.5 203.0.113.66 22 ${50000 + i} 6 19 3900 ${t} ${t + 3} ACCEPT OK`);
  }
  return lines.join('\n');
}

const INVENTORY = {
  subscriptions: [{ id: 'shop-sub', name: 'Shop Ltd', contacts: ['owner@shop.example'] }],
  deployments: [{ id: 'shop-dep', subscriptionId: 'shop-sub', name: 'shop' }],
  vms: [
    {
      id: 'vm-build',
      deploymentId: 'shop-dep',
      name: 'build-agent',
      addresses: [{ ip: '10.20.0.4', from: '2020-01-01T00:00:00Z' }],
    },
    {
      id: 'vm-bastion',
      deploymentId: 'shop-dep',
      name: 'bastion',
      addresses: [{ ip: '10.20.0.5', from: '2020-01-01T00:00:00Z' }],
    },
  ],
};

/**
 * The console and the customer page in headless Chromium against a running service, with cases made
 * from real flow logs and red e-mails caught by a real SMTP server; axe-core checks every page.
 */
describe('console and customer page in Chromium (real PostgreSQL, Redis, SMTP)', () => {
  let smtp: SmtpCatcher;
  let plane: ControlPlane;
  let t: TestApp;
  let db: Client;
  let browser: Browser;
  let responder: BrowserContext;
  let page: Page;
  let responderToken: string;
  let scan: { id: string; number: number; deploymentId: string };
  let bruteForce: { id: string; number: number };

  const row = async (id: string) =>
    (await db.query(`SELECT status, deadline_at, extension_count FROM cases WHERE id = $1`, [id])).rows[0] as {
      status: string;
      deadline_at: Date;
      extension_count: number;
    };

  beforeAll(async () => {
    smtp = await SmtpCatcher.start();
    plane = await ControlPlane.start(SECRET);
    t = await startTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        MAIL_RECONCILE_INTERVAL: '1s',
        DEPLOYMENT_CONTROL_URL: plane.url,
        DEPLOYMENT_CONTROL_SECRET: SECRET,
        CUSTOMER_LINK_SECRET: 'customer-link-secret-for-tests',
      },
    });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', INVENTORY)).status).toBe(200);
    const sent = await fetch(`${t.url}/api/v1/flows/aws-vpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
      body: flows(),
    });
    expect(sent.status).toBe(202);
    const cases = await waitFor(
      async () => {
        const r = await api(t.url, 'GET', '/api/v1/cases?subscriptionId=shop-sub');
        const list = r.body as {
          id: string;
          number: number;
          vmId: string;
          role: string;
          status: string;
          deploymentId: string;
        }[];
        const s = list.find((c) => c.vmId === 'vm-build' && c.role === 'source' && c.status === 'notified');
        const b = list.find((c) => c.vmId === 'vm-bastion' && c.role === 'target');
        return s && b ? { s, b } : null;
      },
      30_000,
      'the scan and brute-force cases',
    );
    scan = cases!.s;
    bruteForce = cases!.b;
    const created = await api(t.url, 'POST', '/api/v1/tokens', { name: 'alice', role: 'responder' });
    responderToken = created.body.token;
    browser = await launchChromium();
    responder = await browser.newContext();
    page = await responder.newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await t?.close();
    await plane?.close();
    await smtp?.stop();
  });

  it('sends to the sign-in page, refuses an ingest token, and signs a responder in with a session cookie', async () => {
    await page.goto(`${t.url}/console?q=vm-build`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    expect(await seriousViolations(page)).toEqual([]);

    const ingest = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'shipper', role: 'ingest' })).body.token;
    await page.fill('#token', ingest);
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('not a responder or admin token');

    await page.fill('#token', responderToken);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/console?q=vm-build');
    const cookie = (await responder.cookies()).find((c) => c.name === 'sg_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/console' });
    const stored = await db.query(`SELECT name, role, id_hash FROM console_sessions`);
    expect(stored.rows).toEqual([
      { name: 'alice', role: 'responder', id_hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(stored.rows[0].id_hash).not.toContain(cookie.value);
  });

  it('finds the case in the queue (search by VM) and through the address lookup', async () => {
    const rows = page.locator('table.queue tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    expect(await rows.first().textContent()).toContain(`SG-${scan.number}`);
    expect(await rows.first().locator('.sev').textContent()).toMatch(/^(Critical|High|Medium|Low)$/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${t.url}/console`);
    expect(await page.locator('table.queue tbody tr').count()).toBe(2);
    await screenshots(page, 'queue');

    await page.goto(`${t.url}/console/lookup`);
    await page.fill('#ip', '10.20.0.4');
    await page.click('form[aria-label="Address lookup"] button');
    const holder = await page.textContent('#holder-h + dl');
    expect(holder).toContain('build-agent (vm-build)');
    expect(holder).toContain('owner@shop.example');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'lookup');
    await page.click(`a:has-text("SG-${scan.number}")`);
    expect(new URL(page.url()).pathname).toBe(`/console/cases/${scan.id}`);
  });

  it('shows the case and grants an extension: the deadline moves in PostgreSQL', async () => {
    const before = await row(scan.id);
    expect(await page.textContent('h1')).toContain('port scan');
    expect(await page.locator('figure.chart svg[role=img]').count()).toBe(1);
    // Drawn from the case's traffic series (all its flows), not from the 20 sample flows.
    expect(await page.locator('figure.chart svg').innerHTML()).toMatch(/flows per 1 min \d\d:\d\d: [1-9]/);
    expect(await page.textContent('#timeline-h + ol')).toContain('E-mail out');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'case');

    await page.fill('#note', 'call the partner team first');
    await page.click('button:has-text("Add note")');
    expect(await page.textContent('[role=status]')).toContain('Note added');

    await page.fill('#g-duration', '6h');
    await page.fill('#g-reason', 'owner is rebuilding');
    await page.click('button:has-text("Grant extension")');
    expect(await page.textContent('[role=status]')).toContain('Extension granted');
    const after = await row(scan.id);
    expect(after.status).toBe('extended');
    expect(after.extension_count).toBe(1);
    expect(after.deadline_at.getTime() - before.deadline_at.getTime()).toBe(6 * 3600_000);
  });

  it('shows the overview, each figure a link to its list', async () => {
    await page.goto(`${t.url}/console/overview`);
    const open = page.locator('.figures a', { hasText: 'open cases' });
    expect(await open.locator('.big').textContent()).toBe('2');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'overview');
    await open.click();
    expect(new URL(page.url()).pathname).toBe('/console');
    // The 7-day shut-down and restart figures link to their lists (closed cases included).
    await page.goto(`${t.url}/console/overview`);
    await page.click('a[href="/console?acted=shut-down-7d"]');
    expect(await page.textContent('#acted-note')).toContain('shut down in the last 7 days');
    await page.goto(`${t.url}/console/overview`);
    await page.click('a[href="/console?acted=restarted-7d"]');
    expect(await page.textContent('#acted-note')).toContain('restarted in the last 7 days');
  });

  it('refuses a form without the CSRF token, and the admin pages to a responder', async () => {
    const noToken = await responder.request.post(`${t.url}/console/cases/${scan.id}/notes`, {
      form: { text: 'forged' },
      maxRedirects: 0,
    });
    expect(noToken.status()).toBe(403);
    const wrong = await responder.request.post(`${t.url}/console/cases/${scan.id}/notes`, {
      form: { text: 'forged', _csrf: 'x'.repeat(32) },
      maxRedirects: 0,
    });
    expect(wrong.status()).toBe(403);
    expect(
      (await db.query(`SELECT 1 FROM case_timeline WHERE reason = 'forged' OR details::text LIKE '%forged%'`)).rowCount,
    ).toBe(0);

    expect((await responder.request.get(`${t.url}/console/admin/tokens`)).status()).toBe(403);
    const admin = await browser.newContext();
    const ap = await admin.newPage();
    await ap.goto(`${t.url}/console/login?next=/console/admin/tokens`);
    await ap.fill('#token', ADMIN_TOKEN);
    await ap.click('button[type=submit]');
    expect(new URL(ap.url()).pathname).toBe('/console/admin/tokens');
    expect(await ap.textContent('table')).toContain('alice');
    expect(await seriousViolations(ap)).toEqual([]);
    await ap.fill('#t-name', 'shipper-2');
    await ap.selectOption('#t-role', 'ingest');
    await ap.click('button:has-text("Create token")');
    expect(await ap.textContent('[role=status]')).toMatch(/Token for shipper-2 \(ingest\)/);
    expect((await db.query(`SELECT role FROM api_tokens WHERE name = 'shipper-2'`)).rows).toEqual([{ role: 'ingest' }]);
    await ap.goto(`${t.url}/console/admin/policies`);
    expect(await ap.textContent('h1')).toContain('policies');
    expect(await seriousViolations(ap)).toEqual([]);
    await admin.close();
  });

  it('lets the owner open the signed link from the red e-mail and ask for an exception: the case goes to review', async () => {
    const mail = await waitFor<CaughtMail | null>(
      () => smtp.received.find((m) => (m.mail.subject ?? '').includes(`[SG-${scan.number}]`)) ?? null,
      15_000,
      'the red e-mail',
    );
    const link = /https:\/\/safeguards\.example(\/c\/\S+)/.exec(mail!.mail.text ?? '')![1];
    expect(mail!.mail.html).toContain(`href="${PUBLIC_URL}${link}"`);

    const owner = await browser.newContext();
    const op = await owner.newPage();
    await op.goto(t.url + link);
    expect(await op.textContent('h1')).toContain(`SG-${scan.number}`);
    // What the owner sees: the extension granted, never a responder's note.
    const body = await op.textContent('body');
    expect(body).toContain('owner is rebuilding');
    expect(body).not.toContain('call the partner team first');
    expect(await seriousViolations(op)).toEqual([]);
    await screenshots(op, 'customer');

    await op.fill('#e-desc', 'Our build agent checks SSH on our partners every night; it is expected.');
    await op.click('button:has-text("Ask for an exception")');
    expect(await op.textContent('#timeline')).toContain('exception requested');
    expect((await row(scan.id)).status).toBe('exception-requested');

    // A form on the customer page without its token changes nothing.
    const forged = await owner.request.post(`${t.url}${link}/extension`, { form: { hours: '24' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    await owner.close();
  });

  it('refuses a tampered, expired or other case’s link', async () => {
    const links = new CustomerLinks('customer-link-secret-for-tests', 14 * 86_400_000);
    const good = links.sign(scan.id);
    const [, exp, mac] = good.split('.');
    const tampered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    const expired = links.sign(scan.id, Date.now() - 15 * 86_400_000);
    const otherCase = `${bruteForce.id}.${exp}.${mac}`;
    const later = `${scan.id}.${Number(exp) + 86_400}.${mac}`;
    expect((await fetch(`${t.url}/c/${good}`)).status).toBe(200);
    for (const bad of [tampered, expired, otherCase, later]) {
      const r = await fetch(`${t.url}/c/${bad}`);
      expect(r.status).toBe(404);
      expect(await r.text()).not.toContain('SG-');
    }
  });

  it('asks for confirmation naming the deployment before shutting it down', async () => {
    await page.goto(`${t.url}/console/cases/${scan.id}`);
    await page.fill('#sd-reason', 'scanning partners');
    await page.click('button:has-text("Shut down…")');
    expect(await page.textContent('h1')).toContain(`Deployment ${scan.deploymentId}`);
    expect(await page.textContent('label[for=confirm]')).toContain(scan.deploymentId);
    expect(await seriousViolations(page)).toEqual([]);
    expect((await row(scan.id)).status).toBe('exception-requested');

    await page.fill('#confirm', 'another-dep');
    await page.click(`button:has-text("Shut down ${scan.deploymentId}")`);
    expect(await page.textContent('[role=alert]')).toContain('did not match');
    expect((await row(scan.id)).status).toBe('exception-requested');
    expect(plane.requests.length).toBe(0);

    await page.fill('#confirm', scan.deploymentId);
    await page.click(`button:has-text("Shut down ${scan.deploymentId}")`);
    expect(await page.textContent('[role=status]')).toContain('Shutdown requested');
    await waitFor(async () => ((await row(scan.id)).status === 'shut-down' ? true : null), 15_000, 'the shutdown');
    expect(plane.requests[0].json).toMatchObject({ action: 'shutdown', deploymentId: scan.deploymentId });
  });

  it('shows a reply that came in by e-mail on the timeline, with its intent and whether it was verified', async () => {
    const mail = await waitFor<CaughtMail | null>(
      () => smtp.received.find((m) => (m.mail.subject ?? '').includes(`[SG-${bruteForce.number}]`)) ?? null,
      15_000,
      'the notice of the brute-force case',
    );
    const port = t.app.get(InboundSmtpServer).port!;
    const sent = await swaks(port, [
      '--from',
      'owner@shop.example',
      '--to',
      mail!.mail.replyTo![0].address!,
      '--header',
      `Subject: Re: ${mail!.mail.subject}`,
      '--body',
      'Thanks, we blocked 203.0.113.66 at the firewall.',
    ]);
    expect(sent.code).toBe(0);
    await waitFor(
      async () => (await db.query(`SELECT 1 FROM inbound_messages WHERE case_id = $1`, [bruteForce.id])).rowCount,
      15_000,
      'the reply stored',
    );
    await page.goto(`${t.url}/console/cases/${bruteForce.id}`);
    const reply = page.locator('.timeline li.ev-mail-in');
    expect(await reply.count()).toBe(1);
    const text = await reply.textContent();
    expect(text).toContain('from owner@shop.example');
    expect(text).toContain('verified');
    expect(text).not.toContain('not verified');
    expect(text).toContain('we blocked 203.0.113.66');
    expect(text).toMatch(/intent (other|fixed)/);
  });

  it('grants an owner’s first short extension asked for on the customer page at once, as for an e-mail reply', async () => {
    await t.app
      .get(OpenCaseService)
      .ingest([
        makeFinding({ vmId: 'vm-build', deploymentId: 'shop-dep', subscriptionId: 'shop-sub', kind: 'brute-force' }),
      ] as never);
    const c = await waitFor(
      async () =>
        (
          await db.query(
            `SELECT id, deadline_at FROM cases WHERE vm_id = 'vm-build' AND kind = 'brute-force' AND status = 'notified'`,
          )
        ).rows[0] as { id: string; deadline_at: Date } | undefined,
      15_000,
      'the new case notified',
    );
    const link = new CustomerLinks('customer-link-secret-for-tests', 86_400_000).sign(c!.id);
    const owner = await browser.newContext();
    const op = await owner.newPage();
    await op.goto(`${t.url}/c/${link}`);
    await op.selectOption('#x-hours', '24');
    await op.fill('#x-text', 'We rebuild the VM tomorrow.');
    await op.click('button:has-text("Ask for more time")');
    expect(await op.textContent('[role=status]')).toContain('Granted');
    const after = await row(c!.id);
    expect(after.status).toBe('extended');
    expect(after.extension_count).toBe(1);
    expect(after.deadline_at.getTime() - c!.deadline_at.getTime()).toBe(24 * 3600_000);
    expect(await op.textContent('#timeline')).toContain('We rebuild the VM tomorrow.');
    await owner.close();
  });

  it('updates the open queue without a reload when a case opens (server-sent events)', async () => {
    await page.goto(`${t.url}/console?subscription=shop-sub`);
    const rows = page.locator('table.queue tbody tr');
    const before = await rows.count();
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    await t.app
      .get(OpenCaseService)
      .ingest([
        makeFinding({ vmId: 'vm-bastion', deploymentId: 'shop-dep', subscriptionId: 'shop-sub', kind: 'spam' }),
      ] as never);
    const count = (n: number) =>
      (
        globalThis as unknown as { document: { querySelectorAll: (s: string) => { length: number } } }
      ).document.querySelectorAll('table.queue tbody tr').length ===
      n + 1;
    await page.waitForFunction(count, before, {
      timeout: 20_000,
    });
    expect(await rows.filter({ hasText: 'spam' }).count()).toBe(1);
    // The same document: the table was replaced in place, the page was not reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
  });

  it('ends the sessions of a token when it is revoked', async () => {
    const temp = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'temp', role: 'responder' })).body;
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${t.url}/console/login`);
    await p.fill('#token', temp.token);
    await p.click('button[type=submit]');
    expect(new URL(p.url()).pathname).toBe('/console');
    expect((await api(t.url, 'DELETE', `/api/v1/tokens/${temp.id}`)).status).toBeLessThan(300);
    await p.goto(`${t.url}/console`);
    expect(new URL(p.url()).pathname).toBe('/console/login');
    expect((await db.query(`SELECT 1 FROM console_sessions WHERE name = 'temp'`)).rowCount).toBe(0);
    await ctx.close();
  });

  it('signs out: the session row is gone and the console asks to sign in again', async () => {
    await page.goto(`${t.url}/console`);
    await page.click('button:has-text("Sign out")');
    expect(new URL(page.url()).pathname).toBe('/console/login');
    expect((await db.query(`SELECT 1 FROM console_sessions WHERE name = 'alice'`)).rowCount).toBe(0);
    await page.goto(`${t.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
  });
});

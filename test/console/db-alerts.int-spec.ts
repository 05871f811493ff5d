import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { emptyLoginEvent, LOGIN_EVENT_CONSUMER, type LoginEvent, type LoginEventConsumer } from '@sg/dbwatch';
import { api, startTestApp, type TestApp } from '../support/test-app';
import { launchChromium, screenshots, seriousViolations } from './support/browser';

const NETWORKS = `# cidr,country,asn,provider,region,label
127.0.0.2/32,DE,64500,,,office
127.0.0.9/32,DE,64500,,,office-2
`;

function ev(o: Partial<LoginEvent>): LoginEvent {
  return { ...emptyLoginEvent('pg-web'), clientIp: '127.0.0.2', user: 'app', database: 'appdb', pid: 100, ...o };
}

/**
 * The console's database alert pages in headless Chromium against a running service: alerts made
 * from login events handed to dbwatch's consumer (as ingestion does), listed and filtered, shown
 * with their evidence and the activity around them, dismissed through a CSRF-protected form.
 */
describe('console database alert pages in Chromium (real PostgreSQL)', () => {
  let t: TestApp;
  let db: Client;
  let browser: Browser;
  let responder: BrowserContext;
  let page: Page;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  let list: Record<string, any>[];
  const byType = (type: string) => list.find((a) => a.type === type)!;
  const state = async (id: string) =>
    ((await db.query(`SELECT state FROM db_alerts WHERE id = $1`, [id])).rows[0] as { state: string }).state;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-dbalerts-'));
    writeFileSync(join(dir, 'networks.csv'), NETWORKS);
    t = await startTestApp({
      env: { PUBLIC_URL: 'https://safeguards.example', DBWATCH_NETWORKS: join(dir, 'networks.csv') },
    });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const inv = { subscriptions: [{ id: 'sub-db', name: 'Data Owner', contacts: [] }], deployments: [], vms: [] };
    expect((await api(t.url, 'POST', '/api/v1/inventory/import', inv)).status).toBe(200);
    const srv = { id: 'pg-web', subscriptionId: 'sub-db', name: 'web shop database', logFormat: 'stderr' };
    expect((await api(t.url, 'POST', '/api/v1/db-servers', srv)).status).toBe(201);
    expect((await api(t.url, 'PUT', '/api/v1/db-servers/pg-web/policy', { enabled: true })).status).toBe(200);

    // A colleague's login ten minutes before, then six wrong passwords from 127.0.0.2 and its success.
    const t0 = Date.now() - 120_000;
    const events = [
      ev({ kind: 'login-ok', at: t0 - 600_000, clientIp: '127.0.0.9', user: 'report', pid: 90, application: 'psql' }),
      ...Array.from({ length: 6 }, (_, i) =>
        ev({ kind: 'login-failed', at: t0 + i * 1000, sqlState: '28P01', pid: 1000 + i }),
      ),
      ev({ kind: 'login-ok', at: t0 + 7000, pid: 1007, application: 'psql' }),
    ];
    const consumer = t.app.get<LoginEventConsumer>(LOGIN_EVENT_CONSUMER);
    await consumer.consume(
      'pg-web',
      '/var/log/postgresql/pg-web.log',
      events,
      events.map((_, i) => i * 100),
    );
    list = (await api(t.url, 'GET', '/api/v1/db-alerts?serverId=pg-web')).body;
    expect(list.map((a) => a.type).sort()).toEqual(['brute-force', 'brute-force-success', 'brute-force-valid-user']);

    const token = (await api(t.url, 'POST', '/api/v1/tokens', { name: 'alice', role: 'responder' })).body.token;
    browser = await launchChromium();
    responder = await browser.newContext();
    page = await responder.newPage();
    await page.goto(`${t.url}/console/login?next=/console/overview`);
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/console/overview');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await t?.close();
  });

  it('the overview counts open database alerts by type and severity, each linking to the filtered list', async () => {
    const total = page.locator('.figures a', { hasText: 'open database alerts' });
    expect(await total.locator('.big').textContent()).toBe('3');
    const rows = page.locator('table.db-open tbody tr');
    expect(await rows.count()).toBe(3);
    const high = rows.filter({ hasText: 'brute force success' });
    expect(await high.locator('.sev').textContent()).toBe('High');
    expect(await high.locator('.sev').getAttribute('class')).toBe('sev sev-high');
    await high.locator('a').click();
    const url = new URL(page.url());
    expect(url.pathname).toBe('/console/db-alerts');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      type: 'brute-force-success',
      severity: 'high',
      state: 'open',
    });
    const listed = page.locator('table.db-alerts tbody tr');
    expect(await listed.count()).toBe(1);
    expect(await listed.first().textContent()).toContain('Suspected successful brute force attack');
  });

  it('lists the alerts newest first with filters and pages; each row links to its detail', async () => {
    await page.goto(`${t.url}/console/db-alerts`);
    const rows = page.locator('table.db-alerts tbody tr');
    expect(await rows.count()).toBe(3);
    const hrefs = await rows.locator('td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(list.map((a) => `/console/db-alerts/${a.id}`));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'db-alerts');

    // The filter form: type and state through the selects.
    await page.selectOption('#type', 'brute-force');
    await page.selectOption('#state', 'open');
    await page.click('form[aria-label="Filter database alerts"] button');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('127.0.0.2');
    expect(await rows.first().locator('.sev').getAttribute('class')).toBe('sev sev-medium');
    await page.selectOption('#state', 'resolved');
    await page.click('form[aria-label="Filter database alerts"] button');
    expect(await rows.first().textContent()).toContain('No database alerts match');

    // A time range after the alerts finds none; one around them finds all three.
    const later = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    await page.goto(`${t.url}/console/db-alerts?from=${later}`);
    expect(await rows.first().textContent()).toContain('No database alerts match');
    const earlier = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    await page.goto(`${t.url}/console/db-alerts?from=${earlier}&to=${later}&serverId=pg-web`);
    expect(await rows.count()).toBe(3);
    const bad = await page.goto(`${t.url}/console/db-alerts?from=yesterday`);
    expect(bad!.status()).toBe(400);
    expect(await page.textContent('[role=alert]')).toContain('“yesterday” is not a time');

    // Past the last page: none, with a link back.
    await page.goto(`${t.url}/console/db-alerts?page=2`);
    expect(await rows.first().textContent()).toContain('No database alerts match');
    expect(await page.getAttribute('a[rel=prev]', 'href')).toBe('/console/db-alerts');
  });

  it('shows an alert in words with its evidence, the activity around it and its timeline', async () => {
    const bf = byType('brute-force');
    await page.goto(`${t.url}/console/db-alerts`);
    await page.click(`a[href="/console/db-alerts/${bf.id}"]`);
    expect(new URL(page.url()).pathname).toBe(`/console/db-alerts/${bf.id}`);
    expect(await page.textContent('h1')).toContain('Suspected brute force attack');
    const lead = await page.textContent('.lead');
    expect(lead).toContain('web shop database (pg-web)');
    expect(lead).toContain('database appdb');
    expect(lead).toContain('user app');
    expect(lead).toContain('from 127.0.0.2 (DE, AS64500');
    expect(await page.textContent('dt:has-text("Source") + dd')).toBe('127.0.0.2, country DE, AS64500, network office');
    const evidence = await page.textContent('dl.evidence');
    expect(evidence).toContain('capacity: 5');
    expect(evidence).toContain('failures: 6');
    expect(await page.textContent('dl.evidence .rule')).toBe(String(bf.evidence.rule));
    // The six failures behind it; the server's logins around it, the colleague's login before.
    const samples = page.locator('#evidence-h ~ div table.db-events tbody tr');
    expect(await samples.count()).toBe(6);
    expect(await samples.first().textContent()).toContain('28P01');
    // Failures a second apart: login events are shown to the second.
    expect(await samples.first().locator('time').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const activity = page.locator('#activity-h ~ div table.db-events tbody tr');
    expect(await activity.count()).toBe(8);
    const before = activity.filter({ hasText: '127.0.0.9' });
    expect(await before.locator('td:nth-child(2)').textContent()).toBe('before');
    expect(await page.textContent('#timeline-h + ol')).toContain('opened');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'db-alert');
  });

  it('refuses a dismiss without the CSRF token, and dismisses through the form', async () => {
    const bf = byType('brute-force');
    const forged = await responder.request.post(`${t.url}/console/db-alerts/${bf.id}/dismiss`, {
      form: { reason: 'forged' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await state(bf.id)).toBe('open');

    await page.goto(`${t.url}/console/db-alerts/${bf.id}`);
    await page.fill('#dismiss-reason', 'our penetration test');
    await page.click('button:has-text("Dismiss")');
    expect(await page.textContent('[role=status]')).toContain('Alert dismissed');
    expect(await page.textContent('dd.state')).toBe('dismissed');
    expect(await state(bf.id)).toBe('dismissed');
    expect(await page.textContent('#timeline-h + ol')).toContain('dismissed by alice — our penetration test');
    expect(await page.locator('form[action$="/dismiss"]').count()).toBe(0);
    const fromApi = (await api(t.url, 'GET', `/api/v1/db-alerts/${bf.id}`)).body;
    expect(fromApi.timeline.at(-1)).toMatchObject({ kind: 'dismissed', actor: 'alice', note: 'our penetration test' });
  });

  it('shows a move the state no longer allows as a clear 409 message', async () => {
    const success = byType('brute-force-success');
    await page.goto(`${t.url}/console/db-alerts/${success.id}`);
    // Someone else resolves it through the API while the page is open.
    expect((await api(t.url, 'POST', `/api/v1/db-alerts/${success.id}/resolve`, {})).status).toBe(200);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button:has-text("Dismiss")'),
    ]);
    expect(answer.status()).toBe(409);
    expect(await page.textContent('[role=alert]')).toContain('is resolved, not open');
    expect(await page.textContent('dd.state')).toBe('resolved');
    expect(await state(success.id)).toBe('resolved');
  });

  it('answers 404 for an unknown or malformed alert id', async () => {
    const unknown = await page.goto(`${t.url}/console/db-alerts/${randomUUID()}`);
    expect(unknown!.status()).toBe(404);
    expect(await page.textContent('h1')).toContain('Not found');
    expect((await page.goto(`${t.url}/console/db-alerts/not-an-id`))!.status()).toBe(404);
  });
});

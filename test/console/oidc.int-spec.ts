import { Client } from 'pg';
import type { Browser } from 'playwright-core';
import { freePort } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium, seriousViolations } from './support/browser';
import { TestOidcProvider } from './support/oidc-provider';

/** Console sign-in through an OpenID Connect provider started here, in headless Chromium. */
describe('console sign-in with OpenID Connect (Chromium, real PostgreSQL)', () => {
  let idp: TestOidcProvider;
  let t: TestApp;
  let db: Client;
  let browser: Browser;

  beforeAll(async () => {
    idp = await TestOidcProvider.start();
    const port = await freePort();
    t = await startTestApp({
      roles: ['api'],
      port,
      env: {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret,
      },
    });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await t?.close();
    await idp?.close();
  });

  it('signs a member of the responder group in (PKCE, state, nonce) and returns to the page asked for', async () => {
    idp.user = { sub: 'u-7', email: 'carol@example.org', groups: ['staff', 'safeguards-responders'] };
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${t.url}/console/overview`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('a:has-text("Sign in with single sign-on")');
    await page.waitForURL(`${t.url}/console/overview`);
    expect(await page.textContent('.signout')).toContain('carol@example.org (responder)');
    expect(idp.tokenRequests).toHaveLength(1);
    expect(idp.tokenRequests[0].get('code_verifier')).toMatch(/^[\w-]{43,}$/);
    const rows = (await db.query(`SELECT name, role, token_id FROM console_sessions`)).rows;
    expect(rows).toEqual([{ name: 'carol@example.org', role: 'responder', token_id: 'oidc:u-7' }]);
    expect((await ctx.request.get(`${t.url}/console/admin/tokens`)).status()).toBe(403);
    await ctx.close();
  });

  it('refuses someone in neither group, and a callback this browser did not start', async () => {
    idp.user = { sub: 'u-8', email: 'dave@example.org', groups: ['staff'] };
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${t.url}/console/login`);
    await page.click('a:has-text("Sign in with single sign-on")');
    expect(await page.textContent('[role=alert]')).toContain('dave@example.org is in neither');
    const forged = await ctx.request.get(`${t.url}/console/oidc/callback?code=abc&state=xyz`, { maxRedirects: 0 });
    expect(forged.status()).toBe(400);
    expect((await db.query(`SELECT 1 FROM console_sessions WHERE name = 'dave@example.org'`)).rowCount).toBe(0);
    await ctx.close();
  });
});

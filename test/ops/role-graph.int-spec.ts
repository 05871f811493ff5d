import { Module as NestModule, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import { Client } from 'pg';
import * as caseMail from '@sg/case-mail';
import * as cases from '@sg/cases';
import { CaseNotices, CasesModule, LoggingCaseNotifier } from '@sg/cases';
import { CoreModule } from '@sg/core';
import * as deploymentControl from '@sg/deployment-control';
import * as escalation from '@sg/escalation';
import * as mail from '@sg/mail';
import { InboundMailService, LoggingReplyHandler, MailModule, OutboxService, REPLY_HANDLER } from '@sg/mail';
import { makeMailCase } from '../mail/support/mail-case';
import { api, startTestApp, testConfig } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';

/**
 * Every module class, provider class, injection token and entity repository token a library
 * exports: what must not appear in a module graph that is meant to run without that library.
 */
function forbiddenTokens(libs: Record<string, Record<string, unknown>>): Map<unknown, string> {
  const out = new Map<unknown, string>();
  for (const [lib, exports] of Object.entries(libs)) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'symbol') out.set(value, `${lib}:${name}`);
      if (typeof value !== 'function') continue;
      out.set(value, `${lib}:${name}`);
      out.set(getRepositoryToken(value as never), `${lib}:${name} repository`);
    }
  }
  return out;
}

/** Names of the modules and providers of a running application that are in `forbidden`. */
function loadedFrom(app: INestApplicationContext, forbidden: Map<unknown, string>): string[] {
  const found = new Set<string>();
  for (const m of app.get(ModulesContainer).values()) {
    if (forbidden.has(m.metatype)) found.add(`module ${forbidden.get(m.metatype)}`);
    for (const [token, wrapper] of m.providers) {
      for (const t of [token, wrapper.metatype]) if (forbidden.has(t)) found.add(`provider ${forbidden.get(t)}`);
    }
  }
  return [...found].sort();
}

/** Every module class in a running application (by name). */
const moduleNames = (app: INestApplicationContext): string[] =>
  [...app.get(ModulesContainer).values()].map((m) => m.metatype.name);

/** A process of one domain module over the core, on its own fresh database. */
async function startAlone(domain: DynamicModule | Type) {
  const db = await createTestDatabase();
  const config = testConfig(db.url);
  @NestModule({ imports: [CoreModule.forRoot(config), domain] })
  class AloneModule {}
  const app = await NestFactory.createApplicationContext(AloneModule, { logger: false, abortOnError: false });
  await app.init();
  return {
    app,
    url: db.url,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

describe('role module graphs', () => {
  it('the collector role loads neither cases, mail, case-mail, escalation nor deployment-control, and serves /healthz', async () => {
    const t = await startTestApp({ roles: ['collector'] });
    try {
      const forbidden = forbiddenTokens({
        '@sg/cases': cases,
        '@sg/mail': mail,
        '@sg/case-mail': caseMail,
        '@sg/escalation': escalation,
        '@sg/deployment-control': deploymentControl,
      });
      expect(forbidden.size).toBeGreaterThan(50);
      expect(loadedFrom(t.app, forbidden)).toEqual([]);
      // It does run detection, with the suppression rules it needs.
      expect(moduleNames(t.app)).toEqual(expect.arrayContaining(['DetectionModule', 'SuppressionRulesModule']));
      const health = await api(t.url, 'GET', '/healthz', undefined, null);
      expect(health.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('the api and worker roles load the case-mail bridge (notices by e-mail, replies to cases)', async () => {
    const t = await startTestApp({ roles: ['api', 'worker'] });
    try {
      // The same check as the collector's finds what these roles do load.
      expect(loadedFrom(t.app, forbiddenTokens({ '@sg/cases': cases }))).toEqual(
        expect.arrayContaining(['module @sg/cases:CasesModule', 'provider @sg/cases:CaseNotices']),
      );
      expect(t.app.get(REPLY_HANDLER, { strict: false })).toBeInstanceOf(caseMail.CaseReplyHandler);
      expect(t.app.get(cases.CASE_NOTIFIER, { strict: false })).toBeInstanceOf(caseMail.MailCaseNotifier);
    } finally {
      await t.close();
    }
  });

  it('CasesModule starts alone, without mail, telling owners through the logging notifier', async () => {
    const p = await startAlone(CasesModule);
    try {
      expect(loadedFrom(p.app, forbiddenTokens({ '@sg/mail': mail, '@sg/case-mail': caseMail }))).toEqual([]);
      expect(() => p.app.get(cases.CASE_NOTIFIER, { strict: false })).toThrow();
      expect(p.app.get(CaseNotices)['notifier']).toBeInstanceOf(LoggingCaseNotifier);
    } finally {
      await p.close();
    }
  });

  it('MailModule starts alone, without cases: mail is queued and a reply is handed to the logging handler', async () => {
    const p = await startAlone(MailModule.forRoot());
    const db = new Client({ connectionString: p.url });
    await db.connect();
    try {
      expect(loadedFrom(p.app, forbiddenTokens({ '@sg/cases': cases, '@sg/case-mail': caseMail }))).toEqual([]);
      expect(p.app.get(REPLY_HANDLER)).toBeInstanceOf(LoggingReplyHandler);

      const c = makeMailCase();
      const sent = await p.app.get(OutboxService).enqueue({
        caseId: c.caseId,
        caseNumber: c.caseNumber,
        template: 'red-source',
        model: c.model,
        to: ['owner@example.com'],
      });
      expect(sent.caseId).toBe(c.caseId);
      const raw = Buffer.from(
        `From: owner@example.com\r\nTo: safeguards@localhost\r\nSubject: Re: [SG-${c.caseNumber}] traffic\r\n` +
          `Message-ID: <role-graph-${c.caseNumber}@example.com>\r\n\r\nPlease give us until Friday.\r\n`,
      );
      const r = await p.app
        .get(InboundMailService)
        .handle(raw, { via: 'smtp', mailFrom: 'owner@example.com', rcptTo: ['safeguards@localhost'] });
      expect(r.decision.caseId).toBe(c.caseId);
      const row = (await db.query('SELECT handled_at FROM inbound_messages WHERE id = $1', [r.message.id])).rows[0];
      expect(row.handled_at).not.toBeNull();
    } finally {
      await db.end();
      await p.close();
    }
  });
});

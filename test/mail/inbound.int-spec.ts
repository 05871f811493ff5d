import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  InboundMailService,
  InboundSmtpServer,
  OutboxService,
  REPLY_HANDLER,
  type ReplyDecision,
  type ReplyHandler,
} from '@sg/mail';
import { startRedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { makeMailCase } from './support/mail-case';
import { SmtpCatcher } from './support/smtp-catcher';
import { swaks } from './support/swaks';

const DOMAIN = 'reply.sg.example';
const OWNER = 'owner@customer.example';
const MAX_BYTES = 64 * 1024;

describe('inbound replies (real PostgreSQL, Redis, SMTP receiver; sent with swaks)', () => {
  let t: TestApp;
  let catcher: SmtpCatcher;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let db: Client;
  let port: number;
  let caseId: string;
  let caseNumber: number;
  let token: string;
  let rootMessageId: string;
  const dir = mkdtempSync(join(tmpdir(), 'sg-mail-'));

  beforeAll(async () => {
    redis = await startRedisServer();
    catcher = await SmtpCatcher.start();
    t = await startTestApp({
      roles: ['worker'],
      env: {
        REDIS_URL: redis.url,
        SMTP_URL: catcher.url,
        MAIL_REPLY_DOMAIN: DOMAIN,
        MAIL_FROM: `safeguards@${DOMAIN}`,
        MAIL_MAX_INBOUND_BYTES: String(MAX_BYTES),
        INBOUND_SMTP_PORT: '0',
      },
    });
    port = t.app.get(InboundSmtpServer).port!;
    expect(port).toBeGreaterThan(0);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();

    // A case that has been mailed: its thread (token, contacts, first Message-ID) exists.
    const c = makeMailCase();
    ({ caseId, caseNumber } = c);
    const first = await t.app
      .get(OutboxService)
      .enqueue({ caseId, caseNumber, template: 'red-source', model: c.model, to: [OWNER] });
    token = /^case\+([a-z2-7]{26})@/.exec(first.replyTo)![1];
    rootMessageId = first.messageId;
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
    await catcher?.stop();
    await redis?.stop();
  });

  /** Sends with swaks; returns the stored message's decision (by the Message-ID we gave it). */
  async function reply(args: string[], opts: { to?: string; from?: string } = {}) {
    const messageId = `${randomUUID()}@customer.example`;
    const res = await swaks(port, [
      '--to',
      opts.to ?? `case+${token}@${DOMAIN}`,
      '--from',
      opts.from ?? OWNER,
      '--header',
      `Message-Id: <${messageId}>`,
      ...args,
    ]);
    const rows = (await db.query('SELECT * FROM inbound_messages WHERE message_id = $1', [messageId])).rows;
    return { ...res, row: rows[0], decision: rows[0]?.decision as ReplyDecision | undefined };
  }

  it('an extension request ("Please give us 48 more hours") is matched by token and read as 48 hours', async () => {
    const r = await reply([
      '--header',
      `Subject: Re: [SG-${caseNumber}] Action required`,
      '--body',
      `Hello,\n\nPlease give us 48 more hours, we are moving the shop to a new VM.\n\nBest regards,\nAnna\n\nOn Tue, Jun 2, 2026 at 10:47 AM Safeguards wrote:\n> Please stop this activity by Tue 2 Jun 2026 10:47 UTC.\n> You fixed it: "Fixed: we rebuilt the VM"\n`,
    ]);
    expect(r.code).toBe(0);
    expect(r.decision).toMatchObject({
      caseId,
      caseNumber,
      matchedBy: 'token',
      automatic: false,
      verifiedSender: true,
      from: OWNER,
      intent: { kind: 'extension', extension: { requestedMs: 48 * 3_600_000 } },
    });
    expect(r.decision!.replyText).toBe('Hello,\n\nPlease give us 48 more hours, we are moving the shop to a new VM.');
    expect(r.row).toMatchObject({ case_id: caseId, classification: 'extension', via: 'smtp' });
    expect(r.row.reason).toMatch(/matched by token.*extension.*sender is a contact/);
    expect(r.row.handled_at).not.toBeNull(); // handed to the ReplyHandler
  });

  it('an exception request is read as exception, with the description of the normal traffic', async () => {
    const r = await reply([
      '--header',
      `Subject: RE: [SG-${caseNumber}] Action required`,
      '--body',
      'Hi team,\n\nThis traffic is expected: web-frontend-01 is our authorised vulnerability scanner. It scans our own 512 addresses on ports 1-1024 every night between 01:00 and 03:00 UTC.\n\nThanks,\nJohn',
    ]);
    expect(r.decision).toMatchObject({ caseId, verifiedSender: true, automatic: false, intent: { kind: 'exception' } });
    expect(r.decision!.intent.exception!.description).toBe(
      'This traffic is expected: web-frontend-01 is our authorised vulnerability scanner. It scans our own 512 addresses on ports 1-1024 every night between 01:00 and 03:00 UTC.',
    );
  });

  it('an out-of-office reply (Auto-Submitted: auto-replied) is automatic and asks for nothing', async () => {
    const r = await reply([
      '--header',
      'Auto-Submitted: auto-replied',
      '--header',
      `Subject: Automatic reply: [SG-${caseNumber}] Action required`,
      '--body',
      'I am out of the office until Monday and need more time to answer; please give me 3 days.',
    ]);
    expect(r.decision).toMatchObject({
      caseId,
      automatic: true,
      automaticKind: 'auto-reply',
      intent: { kind: 'other', confidence: 0 },
    });
    expect(r.decision!.automaticReasons).toContain('Auto-Submitted: auto-replied');
    expect(r.row.classification).toBe('auto-reply');
  });

  it('a reply from a stranger is matched but not verified', async () => {
    const r = await reply(['--header', `Subject: Re: [SG-${caseNumber}]`, '--body', 'Fixed.'], {
      from: 'mallory@evil.example',
    });
    expect(r.decision).toMatchObject({
      caseId,
      verifiedSender: false,
      from: 'mallory@evil.example',
      intent: { kind: 'fixed' },
    });
    expect(r.row.reason).toContain('sender is not a contact');
  });

  it('without the token: matched by the subject tag, else by In-Reply-To against our Message-IDs', async () => {
    const bySubject = await reply(['--header', `Subject: Re: [SG-${caseNumber}] Action required`, '--body', 'Fixed.'], {
      to: `safeguards@${DOMAIN}`,
    });
    expect(bySubject.decision).toMatchObject({ caseId, matchedBy: 'subject', verifiedSender: true });
    const byThread = await reply(
      ['--header', 'Subject: Re: your e-mail', '--header', `In-Reply-To: <${rootMessageId}>`, '--body', 'Fixed.'],
      { to: `safeguards@${DOMAIN}` },
    );
    expect(byThread.decision).toMatchObject({ caseId, matchedBy: 'thread' });
    const none = await reply(['--header', 'Subject: hello', '--body', 'Fixed.'], { to: `safeguards@${DOMAIN}` });
    expect(none.decision).toMatchObject({ caseId: null, matchedBy: null, verifiedSender: false });
  });

  it('a bounce (DSN from the null sender) marks the failed contact', async () => {
    const dsn = join(dir, 'dsn.eml');
    writeFileSync(
      dsn,
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
        `To: case+${token}@${DOMAIN}`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-Id: <${randomUUID()}@mx.customer.example>`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'I could not deliver your message.',
        '--B',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.customer.example',
        '',
        `Final-Recipient: rfc822; ${OWNER}`,
        'Action: failed',
        'Status: 5.2.2',
        '--B--',
        '',
      ].join('\r\n'),
    );
    const res = await swaks(port, ['--to', `case+${token}@${DOMAIN}`, '--from', '<>', '--data', `@${dsn}`]);
    expect(res.code).toBe(0);
    const row = (await db.query(`SELECT * FROM inbound_messages WHERE classification = 'bounce'`)).rows[0];
    expect(row.decision).toMatchObject({ caseId, automatic: true, automaticKind: 'bounce', bounceRecipients: [OWNER] });
    expect(row.envelope_from).toBe('');
    const state = (await db.query('SELECT status FROM mail_recipient_states WHERE address = $1', [OWNER])).rows[0];
    expect(state.status).toBe('failing');
  });

  it('refuses recipients of other domains (550), oversized mail (552) and what is not mail (554), and keeps working', async () => {
    const stranger = await swaks(port, ['--to', 'someone@other.example', '--from', OWNER, '--body', 'hi']);
    expect(stranger.code).not.toBe(0);
    expect(stranger.out).toMatch(/<\*\* 550 5\.1\.1/);

    const big = join(dir, 'big.txt');
    writeFileSync(big, `${'Please give us more time. '.repeat(Math.ceil((MAX_BYTES * 2) / 26))}\n`);
    const oversized = await swaks(port, ['--to', `case+${token}@${DOMAIN}`, '--from', OWNER, '--body', `@${big}`]);
    expect(oversized.code).not.toBe(0);
    expect(oversized.out).toMatch(/<\*\* 552 /);

    const junk = join(dir, 'junk.eml');
    writeFileSync(junk, 'this is not a mail message at all\r\njust words\r\n');
    const malformed = await swaks(port, ['--to', `case+${token}@${DOMAIN}`, '--from', OWNER, '--data', `@${junk}`]);
    expect(malformed.code).not.toBe(0);
    expect(malformed.out).toMatch(/<\*\* 554 5\.6\.0/);

    const noFrom = join(dir, 'nofrom.eml');
    writeFileSync(noFrom, `To: case+${token}@${DOMAIN}\r\nSubject: hi\r\n\r\nFixed.\r\n`);
    expect(
      (await swaks(port, ['--to', `case+${token}@${DOMAIN}`, '--from', OWNER, '--data', `@${noFrom}`])).out,
    ).toMatch(/<\*\* 554 5\.6\.0/);

    const count = (await db.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n;
    const good = await reply(['--header', `Subject: Re: [SG-${caseNumber}]`, '--body', 'We removed the malware.']);
    expect(good.code).toBe(0);
    expect(good.decision).toMatchObject({ caseId, intent: { kind: 'fixed' } });
    expect((await db.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n).toBe(count + 1);
  });

  it('the same bytes delivered twice are stored and handed over once', async () => {
    const raw = Buffer.from(
      [
        `From: ${OWNER}`,
        `To: case+${token}@${DOMAIN}`,
        `Subject: Re: [SG-${caseNumber}]`,
        `Message-ID: <${randomUUID()}@customer.example>`,
        '',
        'Please give us 2 more days.',
        '',
      ].join('\r\n'),
    );
    const inbound = t.app.get(InboundMailService);
    const envelope = { via: 'smtp' as const, mailFrom: OWNER, rcptTo: [`case+${token}@${DOMAIN}`] };
    const first = await inbound.handle(raw, envelope);
    const again = await inbound.handle(raw, envelope);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.message.id).toBe(first.message.id);
    expect(again.decision).toEqual(first.decision);
    expect(first.message.handleAttempts).toBe(1);
  });

  it('a decision the ReplyHandler failed to take is handed over again by the reconciler', async () => {
    const handler = t.app.get<ReplyHandler>(REPLY_HANDLER, { strict: false });
    const original = handler.handle.bind(handler);
    const taken: ReplyDecision[] = [];
    handler.handle = async () => {
      throw new Error('cases database unavailable');
    };
    let r: Awaited<ReturnType<typeof reply>>;
    try {
      r = await reply(['--header', `Subject: Re: [SG-${caseNumber}]`, '--body', 'Please give us until Friday.']);
    } finally {
      handler.handle = async (d) => {
        taken.push(d);
        return original(d);
      };
    }
    // The owner's mail was accepted and stored all the same; only the hand-over is pending.
    expect(r.code).toBe(0);
    expect(r.row).toMatchObject({ handled_at: null, handle_attempts: 1, handle_error: 'cases database unavailable' });

    const inbound = t.app.get(InboundMailService);
    const later = new Date(Date.now() + 2 * t.config.MAIL_RECONCILE_INTERVAL);
    expect(await inbound.redeliverUnhandled(later)).toBe(1);
    expect(taken.map((d) => d.inboundMessageId)).toEqual([r.row.id]);
    const after = (await db.query('SELECT handled_at, handle_attempts FROM inbound_messages WHERE id = $1', [r.row.id]))
      .rows[0];
    expect(after.handled_at).not.toBeNull();
    expect(after.handle_attempts).toBe(2);
    expect(await inbound.redeliverUnhandled(later)).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { Client } from 'pg';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { ImapPoller, InboundMailService, OutboxService, type ReplyDecision } from '@sg/mail';
import { startRedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { startDovecot, type Dovecot } from './support/dovecot';
import { makeMailCase } from './support/mail-case';
import { SmtpCatcher } from './support/smtp-catcher';

const DOMAIN = 'reply.sg.example';
const OWNER = 'owner@customer.example';
const MAX_BYTES = 64 * 1024;

describe('replies read from an IMAP mailbox (real Dovecot, PostgreSQL, Redis)', () => {
  let dovecot: Dovecot;
  let t: TestApp;
  let catcher: SmtpCatcher;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let db: Client;
  let imap: ImapFlow;
  let poller: ImapPoller;
  let caseId: string;
  let caseNumber: number;
  let token: string;

  beforeAll(async () => {
    dovecot = await startDovecot();
    redis = await startRedisServer();
    catcher = await SmtpCatcher.start();
    t = await startTestApp({
      roles: ['worker'],
      env: {
        REDIS_URL: redis.url,
        SMTP_URL: catcher.url,
        MAIL_REPLY_DOMAIN: DOMAIN,
        MAIL_FROM: `safeguards@${DOMAIN}`,
        INBOUND_SMTP_PORT: '0',
        MAIL_MAX_INBOUND_BYTES: String(MAX_BYTES),
        IMAP_URL: dovecot.url,
        // The test polls by hand; the timer's first poll at start-up is awaited below.
        IMAP_POLL_INTERVAL: '1h',
      },
    });
    poller = t.app.get(ImapPoller);
    await poller.poll();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    imap = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user: dovecot.user, pass: dovecot.password },
      logger: false,
    });
    await imap.connect();

    const c = makeMailCase();
    ({ caseId, caseNumber } = c);
    const first = await t.app
      .get(OutboxService)
      .enqueue({ caseId, caseNumber, template: 'red-source', model: c.model, to: [OWNER] });
    token = /^case\+([a-z2-7]{26})@/.exec(first.replyTo)![1];
  });

  afterAll(async () => {
    await imap?.logout().catch(() => undefined);
    await db?.end();
    await t?.close();
    await catcher?.stop();
    await redis?.stop();
    await dovecot?.stop();
  });

  /** The \Seen flag of the message with this Message-ID (searched on the server). */
  async function seen(messageId: string): Promise<boolean> {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const uids = (await imap.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      expect(uids).toHaveLength(1);
      const msg = await imap.fetchOne(String(uids[0]), { flags: true }, { uid: true });
      return !!msg && !!msg.flags?.has('\\Seen');
    } finally {
      lock.release();
    }
  }

  it('stores a reply from the mailbox, reads its intent, marks it seen, and handles it once', async () => {
    const messageId = `<${randomUUID()}@customer.example>`;
    await imap.append(
      'INBOX',
      [
        `From: Anna <${OWNER}>`,
        `To: case+${token}@${DOMAIN}`,
        `Subject: Re: [SG-${caseNumber}] Action required`,
        `Message-ID: ${messageId}`,
        'Date: Tue, 24 Nov 2026 10:00:00 +0000',
        '',
        'Hello,',
        '',
        'Please give us 48 more hours, we are moving the shop to a new VM.',
        '',
      ].join('\r\n'),
    );
    expect(await seen(messageId)).toBe(false);

    expect(await poller.poll()).toBe(1);
    const rows = (await db.query('SELECT * FROM inbound_messages WHERE message_id = $1', [messageId.slice(1, -1)]))
      .rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ via: 'imap', case_id: caseId, classification: 'extension' });
    expect(rows[0].decision as ReplyDecision).toMatchObject({
      caseId,
      matchedBy: 'token',
      verifiedSender: true,
      intent: { kind: 'extension', extension: { requestedMs: 48 * 3_600_000 } },
    });
    expect(await seen(messageId)).toBe(true);

    // Seen messages are not read again.
    expect(await poller.poll()).toBe(0);
    const again = await db.query('SELECT count(*)::int AS n FROM inbound_messages WHERE message_id = $1', [
      messageId.slice(1, -1),
    ]);
    expect(again.rows[0].n).toBe(1);
  });

  it('stores a message that is not mail as unparseable and marks it seen, so it is not read forever', async () => {
    const marker = randomUUID();
    await imap.append('INBOX', `this is not an e-mail ${marker}\r\nno header section at all\r\n`);
    expect(await poller.poll()).toBe(1);
    const rows = (
      await db.query(
        "SELECT * FROM inbound_messages WHERE via = 'imap' AND classification = 'unparseable' AND position($1 in convert_from(raw, 'UTF8')) > 0",
        [marker],
      )
    ).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].reason).toMatch(/header/);
    expect(await poller.poll()).toBe(0);
  });

  it('downloads no more than MAIL_MAX_INBOUND_BYTES of a larger message: kept as unparseable, marked seen', async () => {
    const messageId = `<${randomUUID()}@customer.example>`;
    const huge = [
      `From: ${OWNER}`,
      `To: case+${token}@${DOMAIN}`,
      `Subject: Re: [SG-${caseNumber}] logs`,
      `Message-ID: ${messageId}`,
      '',
      ...Array.from({ length: 4000 }, (_, i) => `log line ${i} `.padEnd(76, 'x')),
      '',
    ].join('\r\n');
    expect(huge.length).toBeGreaterThan(4 * MAX_BYTES);
    await imap.append('INBOX', huge);
    expect(await poller.poll()).toBe(1);
    const rows = (
      await db.query(
        "SELECT raw_size, reason FROM inbound_messages WHERE via = 'imap' AND classification = 'unparseable' AND reason LIKE '%MAIL_MAX_INBOUND_BYTES%'",
      )
    ).rows;
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].raw_size)).toBeLessThanOrEqual(MAX_BYTES);
    expect(rows[0].reason).toContain(`is ${huge.length} bytes`);
    expect(await seen(messageId)).toBe(true);
    expect(await poller.poll()).toBe(0);
  });

  it('a poll against a mailbox it cannot log in to fails softly: nothing stored, the process goes on', async () => {
    const wrong = new URL(dovecot.url);
    wrong.password = 'wrong';
    const cfg = t.app.get<AppConfig>(APP_CONFIG);
    const denied = new ImapPoller(t.app.get(InboundMailService), t.app.get(SchedulerRegistry), {
      ...cfg,
      IMAP_URL: wrong.toString(),
    });
    const before = await db.query('SELECT count(*)::int AS n FROM inbound_messages');
    expect(await denied.poll()).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM inbound_messages')).rows[0].n).toBe(before.rows[0].n);
    // The configured poller still works.
    expect(await poller.poll()).toBe(0);
  });
});

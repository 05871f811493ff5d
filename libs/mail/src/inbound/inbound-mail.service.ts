import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { RecipientStateRepository } from '../outbound/recipient-state.repository';
import { detectAutomaticMail } from './auto-reply.detector';
import { CASE_DIRECTORY, type CaseDirectory } from './case-directory';
import { matchCase } from './case-matcher';
import type { InboundEnvelope } from './inbound-envelope';
import type { InboundClassification, InboundMessageEntity } from './inbound-message.entity';
import { InboundMessageRepository } from './inbound-message.repository';
import { extractMatchKeys } from './match-keys';
import { parseMail, type ParsedMail } from './parsed-mail';
import type { ReplyDecision } from './reply-decision';
import { REPLY_HANDLER, type ReplyHandler } from './reply-handler';
import { classifyReplyIntent, type ReplyIntent } from './reply-intent.classifier';
import { extractReplyText } from './reply-text';

/** How much of a raw message is kept: enough to read any reply again, not every attachment. */
export const RAW_STORE_LIMIT = 256 * 1024;
const TEXT_LIMIT = 64 * 1024;
const HANDLER_MAX_ATTEMPTS = 10;
/** A Date header further ahead than this is a wrong clock; relative times then count from receipt. */
const CLOCK_SKEW_MS = 15 * 60_000;

export interface InboundResult {
  message: InboundMessageEntity;
  decision: ReplyDecision;
  /** The same bytes were received before: nothing was stored or handed over again. */
  duplicate: boolean;
}

const NO_INTENT: ReplyIntent = { kind: 'other', confidence: 0, matched: [], extension: null, exception: null };

/** PostgreSQL text cannot hold NUL; hostile mail may. */
const pgText = (s: string, max = TEXT_LIMIT) => s.replace(/\u0000/g, '').slice(0, max);

/**
 * Reads a received message and decides what it is: which case (token, subject tag, thread),
 * whether a machine sent it (bounce, out-of-office), whether the sender is one of the case's
 * contacts, and what the owner asks for. Stores it with the decision, marks bounced recipients,
 * then hands the decision to the ReplyHandler. Throws MalformedMailError before storing anything
 * for what is not mail (the SMTP receiver refuses it; the IMAP poller stores it as unparseable).
 */
@Injectable()
export class InboundMailService {
  private readonly logger = new Logger(InboundMailService.name);

  constructor(
    private readonly messages: InboundMessageRepository,
    private readonly recipients: RecipientStateRepository,
    @Inject(CASE_DIRECTORY) private readonly directory: CaseDirectory,
    @Inject(REPLY_HANDLER) private readonly handler: ReplyHandler,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
  ) {}

  async handle(raw: Buffer, envelope: InboundEnvelope, now = new Date()): Promise<InboundResult> {
    const sha = createHash('sha256').update(raw).digest('hex');
    const seen = await this.messages.findBySha(sha);
    if (seen?.decision) return { message: seen, decision: seen.decision, duplicate: true };

    const mail = await parseMail(raw);
    const auto = detectAutomaticMail(mail, envelope.mailFrom);
    const match = await matchCase(extractMatchKeys(mail, envelope.rcptTo, this.cfg.MAIL_REPLY_DOMAIN), this.directory);
    const reply = extractReplyText(mail.text);
    const sentAt = mail.date ? new Date(mail.date) : null;
    const anchor = sentAt && sentAt.getTime() <= now.getTime() + CLOCK_SKEW_MS ? sentAt : now;
    const intent = auto.automatic ? NO_INTENT : classifyReplyIntent(reply.text, anchor);
    const contacts = (match?.contact.contacts ?? []).map((c) => c.toLowerCase());
    const verifiedSender = !!match && !!mail.from && contacts.includes(mail.from);
    const classification: InboundClassification =
      auto.kind === 'bounce' ? 'bounce' : auto.automatic ? 'auto-reply' : intent.kind;

    const id = randomUUID();
    const replyText = pgText(reply.text);
    const subject = pgText(mail.subject, 2000);
    const from = mail.from ? pgText(mail.from, 320) : null;
    const ours = `@${this.cfg.MAIL_REPLY_DOMAIN.toLowerCase()}`;
    const decision: ReplyDecision = {
      inboundMessageId: id,
      caseId: match?.contact.caseId ?? null,
      caseNumber: match?.contact.caseNumber ?? null,
      matchedBy: match?.by ?? null,
      automatic: auto.automatic,
      automaticKind: auto.kind,
      automaticReasons: auto.reasons.map((r) => pgText(r, 500)),
      bounceRecipients: auto.bounceRecipients.filter((a) => !a.endsWith(ours)).map((a) => pgText(a, 320)),
      from,
      verifiedSender,
      intent: sanitizeIntent(intent),
      replyText,
      subject,
      receivedAt: now.toISOString(),
      sentAt: sentAt ? sentAt.toISOString() : null,
    };
    const row = await this.messages.insert(
      {
        id,
        via: envelope.via,
        envelopeFrom: envelope.mailFrom,
        envelopeTo: envelope.rcptTo.map((a) => pgText(a.toLowerCase(), 320)),
        remoteAddress: envelope.remoteAddress ?? null,
        raw: raw.subarray(0, RAW_STORE_LIMIT),
        rawSize: raw.length,
        rawTruncated: raw.length > RAW_STORE_LIMIT,
        rawSha256: sha,
        messageId: mail.messageId ? pgText(mail.messageId, 998) : null,
        headers: mail.headers.slice(0, 300).map((h) => ({ key: pgText(h.key, 200), value: pgText(h.value, 4000) })),
        fromAddress: from,
        toAddresses: [...mail.to, ...mail.cc].slice(0, 100).map((a) => pgText(a, 320)),
        subject,
        sentAt,
        text: pgText(mail.text),
        replyText,
        caseId: decision.caseId,
        matchedBy: decision.matchedBy,
        classification,
        reason: pgText(explain(match?.by ?? null, match?.key ?? null, auto.reasons, intent, verifiedSender), 4000),
        decision,
      },
      now,
    );
    if (!row) {
      // The same bytes arrived at the same moment on another connection; that one decides.
      const other = (await this.messages.findBySha(sha))!;
      return { message: other, decision: other.decision!, duplicate: true };
    }

    await this.bookkeep(mail, decision, contacts);
    await this.deliver(row.id, decision);
    return { message: (await this.messages.findById(row.id)) ?? row, decision, duplicate: false };
  }

  /**
   * Hands decisions whose handling failed (or never finished: a crash between storing and
   * handing over) to the handler again. Returns how many were handed over.
   */
  async redeliverUnhandled(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.cfg.MAIL_RECONCILE_INTERVAL);
    const rows = await this.messages.claimUnhandled(before, HANDLER_MAX_ATTEMPTS, 50);
    for (const r of rows) await this.deliver(r.id, r.decision, false);
    return rows.length;
  }

  /**
   * Keeps a message that is not mail but was already accepted by someone else (IMAP), so that
   * nothing received is lost without a trace. It has no decision and is handed to nobody.
   */
  async storeUnparseable(raw: Buffer, envelope: InboundEnvelope, reason: string, now = new Date()): Promise<void> {
    await this.messages.insert(
      {
        id: randomUUID(),
        via: envelope.via,
        envelopeFrom: envelope.mailFrom,
        envelopeTo: envelope.rcptTo.map((a) => pgText(a.toLowerCase(), 320)),
        remoteAddress: envelope.remoteAddress ?? null,
        raw: raw.subarray(0, RAW_STORE_LIMIT),
        rawSize: raw.length,
        rawTruncated: raw.length > RAW_STORE_LIMIT,
        rawSha256: createHash('sha256').update(raw).digest('hex'),
        messageId: null,
        headers: [],
        fromAddress: null,
        toAddresses: [],
        subject: null,
        sentAt: null,
        text: null,
        replyText: null,
        caseId: null,
        matchedBy: null,
        classification: 'unparseable',
        reason: pgText(reason, 4000),
        decision: null,
      },
      now,
    );
  }

  /** Messages received for a case, oldest first. */
  messagesOfCase(caseId: string): Promise<InboundMessageEntity[]> {
    return this.messages.findByCase(caseId);
  }

  private async deliver(id: string, decision: ReplyDecision, count = true): Promise<void> {
    try {
      if (count) await this.messages.startHandling(id);
      await this.handler.handle(decision);
      await this.messages.markHandled(id);
    } catch (err) {
      this.logger.warn({ inboundMessageId: id, err: (err as Error).message }, 'reply handler failed; will retry');
      await this.messages.markHandleFailed(id, (err as Error).message).catch(() => undefined);
    }
  }

  /**
   * A bounce marks its failed recipients — only the case's own contacts, so a forged DSN cannot
   * mark arbitrary addresses. A person's reply from a contact proves the address works.
   */
  private async bookkeep(mail: ParsedMail, d: ReplyDecision, contacts: string[]): Promise<void> {
    const failing = d.bounceRecipients.filter((a) => contacts.includes(a));
    if (failing.length) await this.recipients.markFailing(failing, `bounce: ${pgText(mail.subject, 200)}`);
    if (!d.automatic && d.verifiedSender && d.from) await this.recipients.markOk(d.from);
  }
}

function sanitizeIntent(i: ReplyIntent): ReplyIntent {
  return {
    ...i,
    matched: i.matched.map((m) => pgText(m, 500)),
    exception: i.exception ? { description: pgText(i.exception.description) } : null,
  };
}

function explain(
  by: string | null,
  key: string | null,
  automatic: string[],
  intent: ReplyIntent,
  verified: boolean,
): string {
  const parts = [by ? `matched by ${by} (${key})` : 'no case matched'];
  if (automatic.length) parts.push(`automatic: ${automatic.join(', ')}`);
  else if (intent.kind !== 'other') parts.push(`${intent.kind} (${intent.confidence}): ${intent.matched.join('; ')}`);
  else parts.push('no request recognised');
  if (by) parts.push(verified ? 'sender is a contact' : 'sender is not a contact');
  return parts.join('; ');
}

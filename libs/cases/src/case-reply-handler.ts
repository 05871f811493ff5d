import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { REPLY_HANDLER, type LoggingReplyHandler, type ReplyDecision, type ReplyHandler } from '@sg/mail';
import { CaseActionsService } from './case-actions.service';
import { CasePolicy } from './case-policy';
import { CustomerActionsService } from './customer-actions.service';

/**
 * What an owner's e-mail reply does to the case, once mail has matched and classified it:
 * - automatic mail (bounces, out-of-office) never counts and never stops escalation;
 * - a sender who is not a contact of the subscription is recorded as unverified and changes nothing;
 * - an extension request goes to the case; the first one, if it asks for no more than
 *   CASE_EXTENSION_AUTO_GRANT, is granted at once by policy (anything else waits for a responder);
 * - an exception request (with the owner's description of the normal traffic) goes to review;
 * - "fixed" triggers a re-check; anything else is recorded as a reply.
 */
@Injectable()
export class CaseReplyHandler implements ReplyHandler, OnModuleInit {
  constructor(
    @Inject(REPLY_HANDLER) private readonly registry: ReplyHandler,
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly customer: CustomerActionsService,
    private readonly actions: CaseActionsService,
    private readonly policy: CasePolicy,
  ) {}

  onModuleInit(): void {
    (this.registry as LoggingReplyHandler).use?.(this);
  }

  async handle(d: ReplyDecision): Promise<void> {
    if (!d.caseId || d.automatic) return;
    // A thread mail knows but cases does not (e.g. a mail sent outside any case): nothing to act on,
    // and nothing a retry would change.
    const known: unknown[] = await this.ds.query('SELECT 1 FROM cases WHERE id = $1', [d.caseId]);
    if (known.length === 0) return;
    const from = d.from ?? 'unknown sender';
    const text = d.replyText;
    const inboundMessageId = d.inboundMessageId;
    // Mail hands a decision over again when it could not record the handling: whatever this
    // message already put on the timeline is not done twice (only the policy grant, which checks
    // the case itself, may still be missing).
    const done: unknown[] = await this.ds.query(
      `SELECT 1 FROM case_timeline WHERE case_id = $1 AND details->>'inboundMessageId' = $2 LIMIT 1`,
      [d.caseId, inboundMessageId],
    );
    const ext = d.intent.kind === 'extension' ? d.intent.extension : null;
    const requestedMs = ext?.requestedMs ?? undefined;
    const until = ext?.until ? new Date(ext.until) : undefined;
    if (done.length > 0) {
      if (d.verifiedSender && d.intent.kind === 'extension')
        await this.grantFirstShortExtension(d.caseId, requestedMs, until);
      return;
    }
    if (!d.verifiedSender) {
      await this.customer.customerReply(d.caseId, {
        from,
        text,
        subject: d.subject,
        verified: false,
        inboundMessageId,
      });
      return;
    }
    switch (d.intent.kind) {
      case 'extension': {
        const r = await this.customer.requestExtension(d.caseId, { from, text, requestedMs, until, inboundMessageId });
        if (r.accepted) await this.grantFirstShortExtension(d.caseId, requestedMs, until);
        return;
      }
      case 'exception':
        await this.customer.requestException(d.caseId, {
          description: d.intent.exception?.description || text,
          from,
          inboundMessageId,
        });
        return;
      case 'fixed':
        await this.customer.reportFixed(d.caseId, { from, text, inboundMessageId });
        return;
      default:
        await this.customer.customerReply(d.caseId, {
          from,
          text,
          subject: d.subject,
          verified: true,
          inboundMessageId,
        });
    }
  }

  private async grantFirstShortExtension(caseId: string, requestedMs?: number, until?: Date): Promise<void> {
    const rows: { extension_count: number; deadline_at: Date | null; status: string }[] = await this.ds.query(
      'SELECT extension_count, deadline_at, status FROM cases WHERE id = $1',
      [caseId],
    );
    const c = rows[0];
    // Only a request still waiting is granted (on a redelivery the request may have been refused).
    if (!c || c.status !== 'extension-requested' || c.extension_count > 0 || !c.deadline_at) return;
    const asked =
      requestedMs ??
      (until
        ? until.getTime() - Math.max(new Date(c.deadline_at).getTime(), Date.now())
        : this.policy.defaultExtensionMs);
    if (!(asked > 0) || asked > this.cfg.CASE_EXTENSION_AUTO_GRANT) return;
    await this.actions.grantExtension(
      caseId,
      { name: 'policy' },
      { ms: asked, reason: `first extension of at most ${this.cfg.CASE_EXTENSION_AUTO_GRANT} ms: granted by policy` },
    );
  }
}

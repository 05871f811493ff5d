import { Injectable } from '@nestjs/common';
import { CaseActionsService, CaseQueryService, CustomerActionsService } from '@sg/cases';
import type { ReplyDecision, ReplyHandler } from '@sg/mail';

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
export class CaseReplyHandler implements ReplyHandler {
  constructor(
    private readonly cases: CaseQueryService,
    private readonly customer: CustomerActionsService,
    private readonly actions: CaseActionsService,
  ) {}

  async handle(d: ReplyDecision): Promise<void> {
    if (!d.caseId || d.automatic) return;
    // A thread mail knows but cases does not (e.g. a mail sent outside any case): nothing to act on,
    // and nothing a retry would change.
    if (!(await this.cases.standing(d.caseId))) return;
    const from = d.from ?? 'unknown sender';
    const text = d.replyText;
    const inboundMessageId = d.inboundMessageId;
    // Mail hands a decision over again when it could not record the handling: whatever this
    // message already put on the timeline is not done twice (only the policy grant, which checks
    // the case itself, may still be missing).
    const done = await this.cases.hasReplyRecorded(d.caseId, inboundMessageId);
    const ext = d.intent.kind === 'extension' ? d.intent.extension : null;
    const requestedMs = ext?.requestedMs ?? undefined;
    const until = ext?.until ? new Date(ext.until) : undefined;
    if (done) {
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
    await this.actions.grantFirstExtensionByPolicy(caseId, requestedMs, until);
  }
}

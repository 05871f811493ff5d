import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainException } from '@sg/common';
import { CaseNotices } from './case-notices.service';
import type { CaseNoticeEvent } from './case-notifier';
import { CaseScheduler } from './case-scheduler.service';
import { CaseTransitions } from './case-transitions.service';
import type { CaseEntity, PendingRequest } from '../persistence/case.entity';
import { CaseRepository } from '../persistence/case.repository';

/** What the reply handler (@sg/case-mail) gets back: whether the message changed the case, and why not. */
export interface CustomerActionResult {
  accepted: boolean;
  status: string;
  message: string;
}

/** Who wrote: the sender's address as mail read it. */
export interface CustomerMessage {
  from: string;
  text: string;
  /** The received e-mail this came from: kept on the timeline entry, so a redelivery can see it was done. */
  inboundMessageId?: string;
}

/** The timeline detail that ties an entry to the e-mail it came from. */
function via(msg: { inboundMessageId?: string }): { inboundMessageId?: string } {
  return msg.inboundMessageId ? { inboundMessageId: msg.inboundMessageId } : {};
}

/**
 * What the owner does by answering the case's e-mails (called by @sg/case-mail's CaseReplyHandler
 * once mail has matched the reply to the case). Each message lands on the timeline as the customer's; a request
 * the case cannot take in its current status is still recorded, as a reply, and answered with
 * `accepted: false` rather than an error — the mail pipeline should not retry a customer's words.
 */
@Injectable()
export class CustomerActionsService {
  constructor(
    private readonly repo: CaseRepository,
    private readonly transitions: CaseTransitions,
    private readonly scheduler: CaseScheduler,
    private readonly notices: CaseNotices,
  ) {}

  /** The owner asks for more time (a length, or a moment); a responder decides. */
  requestExtension(
    caseId: string,
    req: CustomerMessage & { requestedMs?: number; until?: Date },
  ): Promise<CustomerActionResult> {
    return this.request(caseId, req, 'extension', 'extension-requested', 'extension-received', (c) => {
      if (c.role !== 'source' || !c.deadlineAt) return 'a target case has no deadline to extend';
      if (!['open', 'notified', 'extended'].includes(c.status)) return `the case is ${c.status}`;
      return null;
    });
  }

  /** The owner says the traffic is normal for this VM and describes it; a responder decides. */
  requestException(
    caseId: string,
    req: { description: string; from: string; inboundMessageId?: string },
  ): Promise<CustomerActionResult> {
    return this.request(
      caseId,
      { from: req.from, text: req.description, inboundMessageId: req.inboundMessageId },
      'exception',
      'exception-requested',
      'exception-received',
      (c) =>
        ['open', 'notified', 'extended', 'extension-requested'].includes(c.status) ? null : `the case is ${c.status}`,
    );
  }

  /**
   * The owner says the problem is fixed: recorded, and the traffic is re-checked at once — if it
   * stopped, the case is mitigated; if not, the deadline stands.
   */
  async reportFixed(caseId: string, msg: CustomerMessage): Promise<CustomerActionResult> {
    const { c, entryId } = await this.repo.transaction(async (m) => {
      const cur = await this.mustLock(m, caseId);
      const entry = await this.transitions.record(m, cur, {
        actor: 'customer',
        actorId: msg.from,
        type: 'report-fixed',
        reason: msg.text,
        details: { verified: true, ...via(msg) },
      });
      return { c: cur, entryId: entry.id };
    });
    const live = ['open', 'notified', 'extended', 'extension-requested', 'exception-requested'].includes(c.status);
    if (live) await this.scheduler.recheckSoon(c.id, entryId);
    return {
      accepted: live,
      status: c.status,
      message: live ? 'recorded; the traffic is re-checked now' : `recorded; the case is ${c.status}`,
    };
  }

  /** A reply mail could not verify or interpret: recorded for responders, nothing else. */
  async customerReply(
    caseId: string,
    msg: CustomerMessage & { subject?: string; verified?: boolean },
  ): Promise<CustomerActionResult> {
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.mustLock(m, caseId);
      await this.transitions.record(m, cur, {
        actor: 'customer',
        actorId: msg.from,
        type: 'reply',
        reason: msg.text,
        details: { subject: msg.subject ?? null, verified: msg.verified ?? false, ...via(msg) },
      });
      return cur;
    });
    return { accepted: true, status: c.status, message: 'recorded' };
  }

  private async request(
    caseId: string,
    msg: CustomerMessage & { requestedMs?: number; until?: Date },
    type: PendingRequest['type'],
    to: 'extension-requested' | 'exception-requested',
    event: CaseNoticeEvent,
    refuse: (c: CaseEntity) => string | null,
  ): Promise<CustomerActionResult> {
    const r = await this.repo.transaction(async (m) => {
      const cur = await this.mustLock(m, caseId);
      const why = refuse(cur);
      const requestedMs =
        msg.requestedMs ??
        (msg.until && cur.deadlineAt
          ? Math.max(0, msg.until.getTime() - Math.max(cur.deadlineAt.getTime(), Date.now()))
          : undefined);
      if (why) {
        await this.transitions.record(m, cur, {
          actor: 'customer',
          actorId: msg.from,
          type: 'request',
          reason: msg.text,
          details: { request: type, accepted: false, why, requestedMs: requestedMs ?? null, ...via(msg) },
        });
        return { c: cur, why };
      }
      const pendingRequest: PendingRequest = {
        type,
        at: new Date().toISOString(),
        from: msg.from,
        text: msg.text,
        ...(requestedMs !== undefined ? { requestedMs } : {}),
      };
      const c = await this.transitions.apply(m, cur, to, {
        actor: 'customer',
        actorId: msg.from,
        type: 'request',
        reason: msg.text,
        details: { request: type, requestedMs: requestedMs ?? null, ...via(msg) },
        patch: { pendingRequest },
      });
      return { c, why: null };
    });
    if (!r.why) this.notices.dispatch(event, r.c, { request: r.c.pendingRequest });
    return {
      accepted: !r.why,
      status: r.c.status,
      message: r.why ? `recorded; no ${type} request possible: ${r.why}` : `recorded; a responder will decide`,
    };
  }

  private async mustLock(m: EntityManager, id: string): Promise<CaseEntity> {
    const c = await this.repo.lock(m, id);
    if (!c) throw DomainException.notFound('case', id);
    return c;
  }
}

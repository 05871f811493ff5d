import { Inject, Injectable } from '@nestjs/common';
import {
  AWAITING_RESPONDER_STATUSES,
  CaseEscalationService,
  CaseNotices,
  CasePolicy,
  type CaseEntity,
  type DeadlineExpectation,
  type RecheckOutcome,
} from '@sg/cases';
import { TRAFFIC_RECHECK, type TrafficRecheck } from './traffic-recheck';

export type DeadlineOutcome =
  'gone' | 'stale' | 'early' | 'waiting' | 'renotified' | 'mitigated' | 'shutdown-pending' | 'nothing';

/** A notice the owner never accepted: transient, retried by BullMQ with backoff. */
export class NoticeNotAcceptedError extends Error {}

/**
 * What happens at a deadline, in order:
 * 1. the job is stale (the deadline moved, or a new round started) or the case is closed: nothing;
 * 2. a customer's request waits for a responder, or a responder holds the case: wait, and say why;
 * 3. the owner was never told (case still open): send the notice again — the deadline restarts
 *    once it is accepted — instead of shutting down;
 * 4. otherwise re-check the traffic over RECHECK_WINDOW: stopped -> mitigated and the owner is
 *    told; still going -> shutdown-pending with the request stored and the reasons on the timeline.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly cases: CaseEscalationService,
    private readonly notices: CaseNotices,
    private readonly policy: CasePolicy,
    @Inject(TRAFFIC_RECHECK) private readonly traffic: TrafficRecheck,
  ) {}

  async deadline(caseId: string, e: DeadlineExpectation, firstAttempt: boolean): Promise<DeadlineOutcome> {
    const c = await this.cases.find(caseId);
    if (!c) return 'gone';
    if (!CaseEscalationService.matches(c, e)) return 'stale';
    if (c.deadlineAt!.getTime() > Date.now()) return 'early';
    if (AWAITING_RESPONDER_STATUSES.includes(c.status)) {
      await this.cases.recordWait(
        caseId,
        e,
        `deadline reached while the owner's ${c.pendingRequest?.type ?? ''} request waits for a responder; escalation waits`,
        {
          pendingRequest: c.pendingRequest,
        },
      );
      return 'waiting';
    }
    if (!['open', 'notified', 'extended'].includes(c.status)) return 'nothing';
    if (c.heldAt) {
      await this.cases.recordWait(
        caseId,
        e,
        `deadline reached while held by ${c.heldBy}: ${c.holdReason}; escalation waits`,
        {
          hold: { at: c.heldAt.toISOString(), by: c.heldBy, reason: c.holdReason },
        },
      );
      return 'waiting';
    }
    if (c.status === 'open') return this.renotify(c, e, firstAttempt);

    const windowMs = this.policy.recheckWindowMs;
    const r = await this.traffic.recheck({ vmId: c.vmId, role: c.role, kind: c.kind, windowMs });
    const outcome: RecheckOutcome = { stillActive: r.stillActive, windowMs, figures: r.figures };
    if (!r.stillActive) return (await this.cases.mitigateAtDeadline(caseId, e, outcome)) ? 'mitigated' : 'stale';
    return (await this.cases.shutdownAtDeadline(caseId, e, outcome)) ? 'shutdown-pending' : 'stale';
  }

  /** Sends a due reminder (or the final warning); a notice not accepted is retried. */
  async reminder(caseId: string, remindAtMs: number): Promise<'sent' | 'stale'> {
    const due = await this.cases.reminderDue(caseId, remindAtMs);
    if (!due) return 'stale';
    const accepted = await this.notices.send(due.final ? 'final-warning' : 'reminder', due.c, {
      deadlineAt: due.c.deadlineAt?.toISOString(),
      remindAt: new Date(remindAtMs).toISOString(),
    });
    if (!accepted) throw new NoticeNotAcceptedError('the reminder was not accepted by the notifier');
    await this.cases.reminderSent(caseId, remindAtMs, due.final);
    return 'sent';
  }

  /** The owner reported a fix: re-check now; only ever mitigates, never shuts down. */
  async recheck(caseId: string): Promise<'mitigated' | 'still-active' | 'stale'> {
    const c = await this.cases.find(caseId);
    if (!c || c.closedAt) return 'stale';
    const windowMs = this.policy.recheckWindowMs;
    const r = await this.traffic.recheck({ vmId: c.vmId, role: c.role, kind: c.kind, windowMs });
    const done = await this.cases.recheckReported(caseId, { stillActive: r.stillActive, windowMs, figures: r.figures });
    return done ? 'mitigated' : r.stillActive ? 'still-active' : 'stale';
  }

  private async renotify(c: CaseEntity, e: DeadlineExpectation, firstAttempt: boolean): Promise<DeadlineOutcome> {
    if (await this.notices.announce('case-opened', c, { late: true })) return 'renotified';
    if ((await this.cases.find(c.id))?.status !== 'open') return 'stale';
    if (firstAttempt) {
      await this.cases.recordWait(
        c.id,
        e,
        'deadline reached but the owner has not been notified (the notice was not accepted); no shutdown, retrying the notice',
        {},
      );
    }
    throw new NoticeNotAcceptedError('the opening notice was not accepted by the notifier');
  }
}

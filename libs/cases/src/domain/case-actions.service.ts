import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainException, ErrorCode } from '@sg/common';
import { CaseEscalationService, watchStatus } from './case-escalation.service';
import { CaseNotices } from './case-notices.service';
import type { CaseNoticeEvent } from './case-notifier';
import { CasePolicy } from './case-policy';
import { CaseScheduler } from './case-scheduler.service';
import { assertTransition } from './case-state-machine';
import { isClosed, statusForResolution, type CaseStatus } from './case-status';
import { CaseTransitions } from './case-transitions.service';
import type { CaseEntity } from '../persistence/case.entity';
import { CaseRepository } from '../persistence/case.repository';
import { decideExtension } from './extension-policy';
import { SuppressionRulesService } from '@sg/suppression';

/** Who acts: a responder's principal name (the token's name). */
export interface ResponderRef {
  name: string;
}

export interface ExceptionApproval {
  scope: 'vm' | 'deployment' | 'subscription';
  /** Both roles instead of the case's role only. */
  bothRoles?: boolean;
  peerPrefixes?: string[];
  ports?: number[];
  expiresAt?: Date | null;
  reason: string;
  /** Required when the owner has not described the normal traffic (no exception request). */
  description?: string;
}

const invalid = (c: CaseEntity, what: string, why?: string) =>
  new DomainException(ErrorCode.INVALID_STATE, `cannot ${what}: ${why ?? `the case is ${c.status}`}`, [
    { field: 'status', message: `current status is ${c.status}` },
  ]);

/**
 * What responders do to a case (the API's actions). Each runs in one transaction with the case row
 * locked; jobs and notices follow the commit. A move the state machine does not allow answers 409
 * naming the current status.
 */
@Injectable()
export class CaseActionsService {
  constructor(
    private readonly repo: CaseRepository,
    private readonly transitions: CaseTransitions,
    private readonly policy: CasePolicy,
    private readonly scheduler: CaseScheduler,
    private readonly notices: CaseNotices,
    private readonly escalation: CaseEscalationService,
    private readonly suppressions: SuppressionRulesService,
  ) {}

  /**
   * The owner's policy answer: a first extension request still waiting, asking for no more than
   * CASE_EXTENSION_AUTO_GRANT, is granted at once (by "policy"); anything else waits for a
   * responder (null). One rule for e-mail replies (case-mail) and the customer page (console).
   */
  async grantFirstExtensionByPolicy(caseId: string, requestedMs?: number, until?: Date): Promise<CaseEntity | null> {
    const c = await this.repo.standing(caseId);
    // Only a request still waiting is granted (on a redelivery the request may have been refused).
    if (!c || c.status !== 'extension-requested' || c.extensionCount > 0 || !c.deadlineAt) return null;
    const asked =
      requestedMs ??
      (until ? until.getTime() - Math.max(c.deadlineAt.getTime(), Date.now()) : this.policy.defaultExtensionMs);
    const max = this.policy.extensionAutoGrantMs;
    if (!(asked > 0) || asked > max) return null;
    return this.grantExtension(
      caseId,
      { name: 'policy' },
      { ms: asked, reason: `first extension of at most ${max} ms: granted by policy` },
    );
  }

  assign(id: string, who: ResponderRef, assignee: string | null): Promise<CaseEntity> {
    return this.change(id, async (m, c) => {
      await this.repo.update(m, c.id, { assignee });
      await this.transitions.record(m, c, {
        actor: 'responder',
        actorId: who.name,
        type: 'assign',
        reason: assignee ? `assigned to ${assignee}` : 'unassigned',
        details: { from: c.assignee, to: assignee },
        visibility: 'internal',
      });
      return Object.assign(c, { assignee });
    });
  }

  /** An internal note: never shown to the owner. */
  note(id: string, who: ResponderRef, text: string): Promise<CaseEntity> {
    return this.change(id, async (m, c) => {
      await this.transitions.record(m, c, {
        actor: 'responder',
        actorId: who.name,
        type: 'note',
        reason: text,
        visibility: 'internal',
      });
      return c;
    });
  }

  grantExtension(
    id: string,
    who: ResponderRef,
    input: { ms?: number; until?: Date; reason?: string },
  ): Promise<CaseEntity> {
    return this.change(
      id,
      async (m, c) => {
        if (c.role !== 'source' || !c.deadlineAt)
          throw invalid(c, 'extend the deadline', 'a target case has no deadline');
        if (!['open', 'notified', 'extension-requested', 'extended'].includes(c.status))
          throw invalid(c, 'grant an extension');
        assertTransition(c.status, 'extended', 'grant an extension');
        const now = Date.now();
        const explicitMs =
          input.ms ?? (input.until ? input.until.getTime() - Math.max(c.deadlineAt.getTime(), now) : undefined);
        if (explicitMs !== undefined && explicitMs <= 0) {
          throw DomainException.validation([{ field: 'until', message: 'must be later than the current deadline' }]);
        }
        const requestedMs = c.pendingRequest?.type === 'extension' ? c.pendingRequest.requestedMs : undefined;
        const d = decideExtension(
          { count: c.extensionCount, totalMs: c.extensionTotalMs, deadlineAt: c.deadlineAt.getTime() },
          this.policy.extensionLimits,
          now,
          { explicitMs, requestedMs, fallbackMs: this.policy.defaultExtensionMs },
        );
        if (!d.ok) throw new DomainException(ErrorCode.CONFLICT, `cannot grant an extension: ${d.reason}`);
        const previous = c.deadlineAt;
        const deadlineAt = new Date(d.newDeadlineAt);
        return this.transitions.apply(m, c, 'extended', {
          actor: 'responder',
          actorId: who.name,
          reason:
            input.reason ?? `extension of ${d.grantMs} ms granted; the deadline is now ${deadlineAt.toISOString()}`,
          details: {
            grantedMs: d.grantMs,
            capped: d.capped,
            requestedMs: requestedMs ?? null,
            previousDeadlineAt: previous.toISOString(),
            deadlineAt: deadlineAt.toISOString(),
          },
          patch: {
            deadlineAt,
            deadlineSetAt: new Date(now),
            extensionCount: c.extensionCount + 1,
            extensionTotalMs: c.extensionTotalMs + d.grantMs,
            pendingRequest: null,
            escalationRound: c.escalationRound + 1,
          },
        });
      },
      (c, before) => {
        void this.scheduler.dropDeadline(before);
        return { event: 'extension-granted', details: { deadlineAt: c.deadlineAt?.toISOString() } };
      },
    );
  }

  denyExtension(id: string, who: ResponderRef, reason: string): Promise<CaseEntity> {
    return this.declineRequest(id, who, reason, 'extension-requested', 'extension-denied');
  }

  rejectException(id: string, who: ResponderRef, reason: string): Promise<CaseEntity> {
    return this.declineRequest(id, who, reason, 'exception-requested', 'exception-rejected');
  }

  /**
   * Approves an exception: creates the suppression rule (scope from the case) and closes the case
   * as expected behaviour, in one transaction; detection hears of the rule after the commit.
   */
  approveException(id: string, who: ResponderRef, a: ExceptionApproval): Promise<CaseEntity> {
    let ruleId = '';
    return this.change(
      id,
      async (m, c) => {
        assertTransition(c.status, 'closed', 'approve an exception');
        if (['shutdown-failed', 'shut-down', 'restarted'].includes(c.status)) throw invalid(c, 'approve an exception');
        const description = c.pendingRequest?.type === 'exception' ? c.pendingRequest.text : a.description;
        if (!description) {
          throw DomainException.validation([
            { field: 'description', message: 'required: the owner has not described the normal traffic' },
          ]);
        }
        const scopeId = a.scope === 'vm' ? c.vmId : a.scope === 'deployment' ? c.deploymentId : c.subscriptionId;
        const rule = await this.suppressions.create(m, {
          scope: a.scope,
          scopeId,
          kind: c.kind,
          role: a.bothRoles ? null : c.role,
          peerPrefixes: a.peerPrefixes ?? [],
          ports: a.ports ?? [],
          reason: a.reason,
          description,
          expiresAt: a.expiresAt ?? null,
          createdFromCase: c.id,
          createdBy: who.name,
        });
        ruleId = rule.id;
        return this.transitions.apply(m, c, 'closed', {
          actor: 'responder',
          actorId: who.name,
          resolution: 'expected-behaviour',
          reason: `exception approved: ${a.reason}`,
          details: {
            ruleId: rule.id,
            scope: { [a.scope]: scopeId },
            kind: c.kind,
            role: rule.role,
            peerPrefixes: rule.peerPrefixes,
            ports: rule.ports,
            expiresAt: rule.expiresAt?.toISOString() ?? null,
          },
          patch: { nextReminderAt: null },
        });
      },
      () => {
        void this.suppressions.announce(ruleId);
        return { event: 'exception-approved', details: { ruleId } };
      },
    );
  }

  /** Holds escalation. A shutdown whose request has not gone out yet is called off at once. */
  hold(id: string, who: ResponderRef, reason: string): Promise<CaseEntity> {
    return this.change(id, async (m, c) => {
      if (isClosed(c.status) || ['shut-down', 'restart-pending'].includes(c.status))
        throw invalid(c, 'hold escalation');
      if (c.heldAt) throw invalid(c, 'hold escalation', `the case is already held by ${c.heldBy}`);
      const heldAt = new Date();
      await this.repo.update(m, c.id, { heldAt, heldBy: who.name, holdReason: reason });
      Object.assign(c, { heldAt, heldBy: who.name, holdReason: reason });
      const action =
        c.status === 'shutdown-pending' && c.pendingActionId
          ? await this.escalation.findAction(c.pendingActionId, m)
          : null;
      const sent = !!action && action.attempts > 0;
      await this.transitions.record(m, c, {
        actor: 'responder',
        actorId: who.name,
        type: 'hold',
        reason: sent
          ? `escalation held: ${reason} (the shutdown request has already gone out and cannot be called back)`
          : `escalation held: ${reason}`,
        details: { shutdownAlreadySent: sent },
        visibility: 'internal',
      });
      if (action && !sent && action.status === 'pending') return this.escalation.callOffUnsentShutdown(m, c, action);
      return c;
    });
  }

  release(id: string, who: ResponderRef, reason: string | undefined): Promise<CaseEntity> {
    return this.change(id, async (m, c) => {
      if (!c.heldAt) throw invalid(c, 'release the hold', 'the case is not held');
      const patch = { heldAt: null, heldBy: null, holdReason: null, escalationRound: c.escalationRound + 1 };
      await this.repo.update(m, c.id, patch);
      await this.transitions.record(m, c, {
        actor: 'responder',
        actorId: who.name,
        type: 'release',
        reason: reason ? `hold released: ${reason}` : 'hold released',
        visibility: 'internal',
      });
      const released = Object.assign(c, patch);
      // Reminders pick up with the next one still ahead.
      if (released.status === 'notified' || released.status === 'extended') {
        released.nextReminderAt = this.policy.nextReminderAt(released.deadlineSetAt, released.deadlineAt, Date.now());
        await this.repo.update(m, c.id, { nextReminderAt: released.nextReminderAt });
      }
      return released;
    });
  }

  /** Brings the deadline to now: the usual escalation (re-check, then shutdown or mitigated) runs at once. */
  escalateNow(id: string, who: ResponderRef, reason: string): Promise<CaseEntity> {
    return this.change(id, async (m, c) => {
      if (c.role !== 'source') throw invalid(c, 'escalate', 'a target case has no deadline');
      if (c.status !== 'notified' && c.status !== 'extended') throw invalid(c, 'escalate');
      if (c.heldAt) throw invalid(c, 'escalate', 'the case is held; release the hold first');
      const now = new Date();
      const patch = {
        deadlineAt: now,
        deadlineSetAt: now,
        nextReminderAt: null,
        escalationRound: c.escalationRound + 1,
      };
      await this.repo.update(m, c.id, patch);
      await this.transitions.record(m, c, {
        actor: 'responder',
        actorId: who.name,
        type: 'escalate',
        reason: `escalated now: ${reason}`,
        details: { previousDeadlineAt: c.deadlineAt?.toISOString() ?? null },
        visibility: 'internal',
      });
      return Object.assign(c, patch);
    });
  }

  /** A responder's shutdown: no re-check, the responder's reason is the explanation. */
  shutdownNow(id: string, who: ResponderRef, reason: string): Promise<CaseEntity> {
    return this.change(id, async (m, c) => {
      if (c.role !== 'source')
        throw invalid(c, 'shut the deployment down', 'only the deployment of a source is shut down');
      return this.escalation.startShutdown(m, c, {
        actor: 'responder',
        actorId: who.name,
        reason: `shutdown ordered by a responder: ${reason}`,
        details: { deadlineAt: c.deadlineAt?.toISOString() ?? null, pendingRequest: c.pendingRequest, recheck: null },
      });
    });
  }

  restart(id: string, who: ResponderRef, reason: string): Promise<CaseEntity> {
    return this.change(id, (m, c) =>
      this.escalation.startRestart(m, c, {
        actor: 'responder',
        actorId: who.name,
        reason: `restart ordered by a responder: ${reason}`,
      }),
    );
  }

  close(
    id: string,
    who: ResponderRef,
    input: { resolution: 'true-positive' | 'false-positive' | 'duplicate'; reason: string; duplicateOf?: string },
  ): Promise<CaseEntity> {
    return this.change(
      id,
      async (m, c) => {
        const to = statusForResolution(input.resolution);
        assertTransition(c.status, to, `close the case as ${input.resolution}`);
        if (input.duplicateOf) {
          if (input.duplicateOf === c.id) {
            throw DomainException.validation([{ field: 'duplicateOf', message: 'a case cannot duplicate itself' }]);
          }
          if (!(await this.repo.find(input.duplicateOf, m))) {
            throw DomainException.validation([{ field: 'duplicateOf', message: 'no such case' }]);
          }
        }
        return this.transitions.apply(m, c, to, {
          actor: 'responder',
          actorId: who.name,
          resolution: input.resolution,
          reason: `closed as ${input.resolution}: ${input.reason}`,
          details: { resolution: input.resolution, duplicateOf: input.duplicateOf ?? null },
          patch: { duplicateOf: input.duplicateOf ?? null },
        });
      },
      (c) => ({ event: 'closed', details: { resolution: c.resolution } }),
    );
  }

  private declineRequest(
    id: string,
    who: ResponderRef,
    reason: string,
    waiting: CaseStatus,
    event: CaseNoticeEvent,
  ): Promise<CaseEntity> {
    return this.change(
      id,
      async (m, c) => {
        if (c.status !== waiting)
          throw invalid(c, event === 'extension-denied' ? 'deny an extension' : 'reject an exception');
        const request = c.pendingRequest;
        // A new round: escalation may act on the (possibly already passed) deadline again.
        return this.transitions.apply(m, c, watchStatus(c), {
          actor: 'responder',
          actorId: who.name,
          reason: `${event === 'extension-denied' ? 'extension denied' : 'exception rejected'}: ${reason}`,
          details: { request, deadlineAt: c.deadlineAt?.toISOString() ?? null },
          patch: { pendingRequest: null, escalationRound: c.escalationRound + 1 },
        });
      },
      (c) => ({ event, details: { reason, deadlineAt: c.deadlineAt?.toISOString() ?? null } }),
    );
  }

  /**
   * Locks the case, runs the change, then (after the commit) enqueues what the case now needs and
   * sends the owner the notice the change calls for.
   */
  private async change(
    id: string,
    fn: (m: EntityManager, c: CaseEntity) => Promise<CaseEntity>,
    notice?: (c: CaseEntity, before: CaseEntity) => { event: CaseNoticeEvent; details: Record<string, unknown> } | void,
  ): Promise<CaseEntity> {
    let before: CaseEntity | null = null;
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, id);
      if (!cur) throw DomainException.notFound('case', id);
      before = { ...cur };
      return fn(m, cur);
    });
    await this.scheduler.sync([c]);
    const n = notice?.(c, before!);
    if (n) this.notices.dispatch(n.event, c, n.details);
    return c;
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DeploymentActionsService, type DeploymentActionEntity } from '@sg/deployment-control';
import { CaseNotices } from './case-notices.service';
import { CasePolicy } from './case-policy';
import { CaseScheduler } from './case-scheduler.service';
import { assertTransition } from './case-state-machine';
import { AWAITING_RESPONDER_STATUSES, type CaseStatus } from './case-status';
import type { TimelineActor } from '../persistence/case-timeline-entry.entity';
import { CaseTransitions } from './case-transitions.service';
import type { CaseEntity } from '../persistence/case.entity';
import { CaseRepository } from '../persistence/case.repository';

/** What a deadline job expects the case to still look like; anything else means it is stale. */
export interface DeadlineExpectation {
  deadlineMs: number;
  round: number;
}

export interface RecheckOutcome {
  stillActive: boolean;
  windowMs: number;
  figures: Record<string, number | string>;
}

/** Where a re-check's answer came from, for the timeline: detection's live state or, failing it, the evidence. */
export function recheckSource(r: RecheckOutcome): string {
  if (r.figures.path === 'live') return '(live detection state)';
  if (r.figures.path === 'evidence')
    return `(recorded evidence, because ${r.figures.fallbackReason ?? 'no live answer'})`;
  return '(recorded evidence)';
}

export interface Actor {
  actor: TimelineActor;
  actorId?: string | null;
}

export type ActionClaim =
  | { proceed: true; action: DeploymentActionEntity; c: CaseEntity }
  | { proceed: false; why: string; unknown?: boolean; cancelled?: CaseEntity };

/** The status a case returns to when a request is declined or a shutdown is called off. */
export function watchStatus(c: CaseEntity): CaseStatus {
  return c.extensionCount > 0 ? 'extended' : 'notified';
}

/**
 * The case side of escalation and deployment control: each method locks the case row, checks that
 * the case still is what the caller decided on, and changes it through CaseTransitions. A stale
 * expectation (the deadline moved, a hold arrived, a request came in) is answered with null:
 * the caller has nothing to do.
 */
@Injectable()
export class CaseEscalationService {
  constructor(
    private readonly repo: CaseRepository,
    private readonly transitions: CaseTransitions,
    private readonly policy: CasePolicy,
    private readonly scheduler: CaseScheduler,
    private readonly notices: CaseNotices,
    private readonly actions: DeploymentActionsService,
  ) {}

  find(id: string): Promise<CaseEntity | null> {
    return this.repo.find(id);
  }

  /** Whether a deadline job still describes the case. */
  static matches(c: CaseEntity, e: DeadlineExpectation): boolean {
    return c.deadlineAt?.getTime() === e.deadlineMs && c.escalationRound === e.round;
  }

  /** Records why escalation waits (once per deadline job). */
  async recordWait(
    caseId: string,
    e: DeadlineExpectation,
    reason: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.repo.transaction(async (m) => {
      const c = await this.repo.lock(m, caseId);
      if (!c || !CaseEscalationService.matches(c, e)) return;
      await this.transitions.record(m, c, {
        actor: 'system',
        type: 'escalation-wait',
        reason,
        details: { deadlineAt: c.deadlineAt?.toISOString(), ...details },
        visibility: 'internal',
      });
    });
  }

  /** The re-check at the deadline found the traffic stopped: close as mitigated and tell the owner. */
  async mitigateAtDeadline(caseId: string, e: DeadlineExpectation, r: RecheckOutcome): Promise<CaseEntity | null> {
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, caseId);
      if (!cur || !this.escalatable(cur, e)) return null;
      return this.transitions.apply(m, cur, 'mitigated', {
        actor: 'system',
        reason: `deadline ${cur.deadlineAt!.toISOString()} reached; the traffic re-checked over the last ${r.windowMs} ms ${recheckSource(r)} has stopped`,
        details: { deadlineAt: cur.deadlineAt!.toISOString(), recheck: r },
      });
    });
    if (c) this.notices.dispatch('mitigated', c, { recheck: r.figures });
    return c;
  }

  /**
   * The deadline passed, nothing waits for a responder, no hold, and the traffic goes on: store the
   * shutdown request and move to shutdown-pending, explaining why on the timeline.
   */
  async shutdownAtDeadline(caseId: string, e: DeadlineExpectation, r: RecheckOutcome): Promise<CaseEntity | null> {
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, caseId);
      if (!cur || !this.escalatable(cur, e)) return null;
      const deadline = cur.deadlineAt!.toISOString();
      return this.startShutdown(m, cur, {
        actor: 'system',
        reason:
          `deadline ${deadline} passed with no request from the owner waiting for a responder and no hold; ` +
          `the traffic re-checked over the last ${r.windowMs} ms ${recheckSource(r)} is still active: shutting down deployment ${cur.deploymentId}`,
        details: {
          deadlineAt: deadline,
          originalDeadlineAt: cur.originalDeadlineAt?.toISOString() ?? null,
          extensions: { count: cur.extensionCount, totalMs: cur.extensionTotalMs },
          reopenCount: cur.reopenCount,
          pendingRequest: null,
          hold: null,
          recheck: r,
        },
      });
    });
    if (c) await this.scheduler.sync([c]);
    return c;
  }

  /** Moves a case to shutdown-pending with a stored request; the caller holds the row lock. */
  async startShutdown(
    m: EntityManager,
    c: CaseEntity,
    why: Actor & { reason: string; details: Record<string, unknown> },
  ): Promise<CaseEntity> {
    assertTransition(c.status, 'shutdown-pending', 'shut the deployment down');
    const seq = c.shutdownCount + 1;
    const action = await this.actions.prepare(m, {
      caseId: c.id,
      action: 'shutdown',
      seq,
      deploymentId: c.deploymentId,
      fallbackVmIds: [c.vmId],
      requestedBy: `${why.actor}${why.actorId ? `:${why.actorId}` : ''}`,
    });
    return this.transitions.apply(m, c, 'shutdown-pending', {
      actor: why.actor,
      actorId: why.actorId,
      reason: why.reason,
      details: {
        ...why.details,
        request: {
          actionId: action.id,
          idempotencyKey: action.idempotencyKey,
          vmIds: action.vmIds,
          provider: this.actions.providerName,
        },
      },
      patch: {
        shutdownCount: seq,
        pendingActionId: action.id,
        lastActionError: null,
        heldAt: null,
        heldBy: null,
        holdReason: null,
      },
    });
  }

  /** Moves a shut-down case to restart-pending with a stored request; the caller holds the row lock. */
  async startRestart(m: EntityManager, c: CaseEntity, why: Actor & { reason: string }): Promise<CaseEntity> {
    assertTransition(c.status, 'restart-pending', 'restart the deployment');
    const seq = c.restartCount + 1;
    const action = await this.actions.prepare(m, {
      caseId: c.id,
      action: 'restart',
      seq,
      deploymentId: c.deploymentId,
      fallbackVmIds: [c.vmId],
      requestedBy: `${why.actor}${why.actorId ? `:${why.actorId}` : ''}`,
    });
    return this.transitions.apply(m, c, 'restart-pending', {
      actor: why.actor,
      actorId: why.actorId,
      reason: why.reason,
      details: { request: { actionId: action.id, idempotencyKey: action.idempotencyKey, vmIds: action.vmIds } },
      patch: { restartCount: seq, pendingActionId: action.id, lastActionError: null },
    });
  }

  /**
   * Before a control-plane call goes out: checks the request still stands and counts the attempt
   * (from then on it may reach the control plane, so it can no longer be called off). A shutdown
   * that a responder held before its first attempt is cancelled here and nothing is sent.
   */
  async claimAction(caseId: string, actionId: string): Promise<ActionClaim> {
    const claim = await this.repo.transaction(async (m): Promise<ActionClaim> => {
      const c = await this.repo.lock(m, caseId);
      const a = await this.actions.find(actionId, m);
      if (!c || !a || a.caseId !== caseId) return { proceed: false, unknown: true, why: 'no such case or request' };
      if (a.status !== 'pending') return { proceed: false, why: `the request is already ${a.status}` };
      const waiting = a.action === 'shutdown' ? 'shutdown-pending' : 'restart-pending';
      if (c.pendingActionId !== a.id || c.status !== waiting) {
        await this.actions.cancel(m, a.id, `the case moved on (${c.status})`);
        return { proceed: false, why: `the case is ${c.status}` };
      }
      if (a.action === 'shutdown' && c.heldAt && a.attempts === 0) {
        const back = await this.callOffUnsentShutdown(m, c, a);
        return { proceed: false, why: 'held before the request went out', cancelled: back };
      }
      await this.actions.beginAttempt(m, a.id);
      return { proceed: true, action: a, c };
    });
    if (!claim.proceed && claim.cancelled) await this.scheduler.sync([claim.cancelled]);
    return claim;
  }

  findAction(id: string, m?: EntityManager): Promise<DeploymentActionEntity | null> {
    return this.actions.find(id, m);
  }

  /**
   * Calls off a shutdown whose request never went out (no attempt yet), returning the case to
   * watching. Once an attempt started the request may have reached the control plane, and only
   * its answer settles it. The caller holds the row lock.
   */
  async callOffUnsentShutdown(m: EntityManager, c: CaseEntity, a: DeploymentActionEntity): Promise<CaseEntity> {
    await this.actions.cancel(m, a.id, 'held by a responder before the request went out');
    return this.transitions.apply(m, c, watchStatus(c), {
      actor: 'system',
      reason: 'shutdown called off: a responder put a hold on the case before the request went out; nothing was sent',
      details: { actionId: a.id, hold: { by: c.heldBy, reason: c.holdReason } },
      patch: { pendingActionId: null },
    });
  }

  /** The control plane performed the request. */
  async actionSucceeded(
    caseId: string,
    actionId: string,
    statusCode: number,
    provider: string,
  ): Promise<CaseEntity | null> {
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, caseId);
      const a = await this.actions.find(actionId, m);
      if (!cur || !a || a.status !== 'pending') return null;
      await this.actions.succeed(m, a.id, statusCode);
      const shutdown = a.action === 'shutdown';
      if (cur.pendingActionId !== a.id || cur.status !== (shutdown ? 'shutdown-pending' : 'restart-pending'))
        return null;
      const dryRun = provider === 'dry-run';
      const what = shutdown ? 'shutdown' : 'restart';
      return this.transitions.apply(m, cur, shutdown ? 'shut-down' : 'restarted', {
        actor: 'system',
        reason: dryRun
          ? `dry run: the ${what} of deployment ${a.deploymentId} was recorded but NOT performed (no control plane configured)`
          : `the control plane confirmed the ${what} of deployment ${a.deploymentId} (${a.vmIds.length} VMs)`,
        details: {
          actionId: a.id,
          idempotencyKey: a.idempotencyKey,
          vmIds: a.vmIds,
          requestedAt: a.requestedAt.toISOString(),
          requestedBy: a.requestedBy,
          statusCode,
          provider,
          dryRun,
          attempts: a.attempts,
        },
        patch: {
          pendingActionId: null,
          lastActionError: null,
          ...(shutdown ? { shutDownAt: new Date() } : { restartedAt: new Date() }),
        },
      });
    });
    if (c) this.notices.dispatch(c.status === 'shut-down' ? 'shutdown' : 'restarted', c, {});
    return c;
  }

  /** The control plane refused, or every retry failed: recorded on the case for responders. */
  async actionFailed(
    caseId: string,
    actionId: string,
    statusCode: number | null,
    error: string,
  ): Promise<CaseEntity | null> {
    return this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, caseId);
      const a = await this.actions.find(actionId, m);
      if (!cur || !a || a.status !== 'pending') return null;
      await this.actions.fail(m, a.id, statusCode, error);
      const shutdown = a.action === 'shutdown';
      if (cur.pendingActionId !== a.id || cur.status !== (shutdown ? 'shutdown-pending' : 'restart-pending'))
        return null;
      return this.transitions.apply(m, cur, shutdown ? 'shutdown-failed' : 'shut-down', {
        actor: 'system',
        type: 'action-failed',
        reason: `the ${a.action} request failed: ${error}`,
        details: { actionId: a.id, idempotencyKey: a.idempotencyKey, statusCode, error, attempts: a.attempts },
        visibility: 'internal',
        patch: { pendingActionId: null, lastActionError: error },
      });
    });
  }

  /** A reminder job is due: the case, and whether it is the final warning — or null if stale. */
  async reminderDue(caseId: string, remindAtMs: number): Promise<{ c: CaseEntity; final: boolean } | null> {
    const c = await this.repo.find(caseId);
    if (!c || c.heldAt || !c.deadlineAt || !c.deadlineSetAt || c.nextReminderAt?.getTime() !== remindAtMs) return null;
    if (c.status !== 'notified' && c.status !== 'extended') return null;
    return { c, final: this.policy.isFinalReminder(c.deadlineSetAt, c.deadlineAt, remindAtMs) };
  }

  /** Records a reminder the notifier accepted and moves to the next one. */
  async reminderSent(caseId: string, remindAtMs: number, final: boolean): Promise<void> {
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, caseId);
      if (!cur || cur.nextReminderAt?.getTime() !== remindAtMs) return null;
      const next = this.policy.nextReminderAt(cur.deadlineSetAt, cur.deadlineAt, remindAtMs);
      await this.repo.update(m, cur.id, { nextReminderAt: next, remindersSent: cur.remindersSent + 1 });
      await this.transitions.record(m, cur, {
        actor: 'system',
        type: 'reminder',
        reason: `${final ? 'final warning' : 'reminder'} sent: the deadline is ${cur.deadlineAt?.toISOString()}`,
        details: { deadlineAt: cur.deadlineAt?.toISOString(), final },
      });
      return Object.assign(cur, { nextReminderAt: next });
    });
    if (c) await this.scheduler.sync([c]);
  }

  /** An early re-check (the owner reported a fix): mitigate if the traffic stopped, otherwise note it. */
  async recheckReported(caseId: string, r: RecheckOutcome): Promise<CaseEntity | null> {
    const c = await this.repo.transaction(async (m) => {
      const cur = await this.repo.lock(m, caseId);
      const live =
        cur &&
        (['open', 'notified', 'extended'].includes(cur.status) || AWAITING_RESPONDER_STATUSES.includes(cur.status));
      if (!cur || !live) return null;
      if (r.stillActive) {
        await this.transitions.record(m, cur, {
          actor: 'system',
          type: 'recheck',
          reason: `the owner reported a fix, but the traffic re-checked over the last ${r.windowMs} ms ${recheckSource(r)} goes on; the deadline stands`,
          details: { recheck: r },
        });
        return null;
      }
      return this.transitions.apply(m, cur, 'mitigated', {
        actor: 'system',
        reason: `the owner reported a fix and the traffic re-checked over the last ${r.windowMs} ms ${recheckSource(r)} has stopped`,
        details: { recheck: r },
      });
    });
    if (c) this.notices.dispatch('mitigated', c, { recheck: r.figures });
    return c;
  }

  /** Source case that may escalate now on this deadline job. */
  private escalatable(c: CaseEntity, e: DeadlineExpectation): boolean {
    return (
      (c.status === 'notified' || c.status === 'extended') &&
      !c.heldAt &&
      CaseEscalationService.matches(c, e) &&
      c.deadlineAt!.getTime() <= Date.now()
    );
  }
}

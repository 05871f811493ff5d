import { Injectable } from '@nestjs/common';
import { DomainException } from '@sg/common';
import { DeploymentActionsService } from '@sg/deployment-control';
import type { CaseTimelineEntryEntity } from '../persistence/case-timeline-entry.entity';
import type { CaseEntity } from '../persistence/case.entity';
import { CaseRepository, type CaseFilter, type DueCase } from '../persistence/case.repository';
import { toCaseView } from './case-view';

const timelineView = (e: CaseTimelineEntryEntity) => ({
  id: Number(e.id),
  at: e.at.toISOString(),
  actor: e.actor,
  actorId: e.actorId,
  type: e.type,
  fromStatus: e.fromStatus,
  toStatus: e.toStatus,
  reason: e.reason,
  details: e.details,
  visibility: e.visibility,
});

export type CaseStanding = Pick<CaseEntity, 'status' | 'deadlineAt' | 'extensionCount'>;

/** Reads for the API, the console, the case-mail bridge and the default traffic re-check. */
@Injectable()
export class CaseQueryService {
  constructor(
    private readonly repo: CaseRepository,
    private readonly actions: DeploymentActionsService,
  ) {}

  async list(f: CaseFilter) {
    const { items, total } = await this.repo.list(f);
    return { items: items.map(toCaseView), total };
  }

  /** A case with its evidence, recommendations, whole timeline (internal entries included), findings and control-plane requests. */
  async detail(id: string) {
    const c = await this.repo.find(id);
    if (!c) throw DomainException.notFound('case', id);
    const [timeline, findings, actions] = await Promise.all([
      this.repo.timeline(id),
      this.repo.linkedFindings(id, 50),
      this.actions.listForCase(id),
    ]);
    return {
      ...toCaseView(c),
      timeline: timeline.map(timelineView),
      findings: findings.map((f) => ({
        id: f.findingId,
        rule: f.ruleName,
        status: f.status,
        firstSeen: f.firstSeen.toISOString(),
        lastSeen: f.lastSeen.toISOString(),
        suppressedRuleId: f.suppressedRuleId,
      })),
      deploymentActions: actions.map((a) => ({
        id: a.id,
        action: a.action,
        seq: a.seq,
        status: a.status,
        idempotencyKey: a.idempotencyKey,
        vmIds: a.vmIds,
        provider: a.provider,
        requestedAt: a.requestedAt.toISOString(),
        requestedBy: a.requestedBy,
        attempts: a.attempts,
        lastStatusCode: a.lastStatusCode,
        lastError: a.lastError,
        completedAt: a.completedAt?.toISOString() ?? null,
      })),
    };
  }

  /** What the owner may see of the timeline: never responders' notes, holds or assignments. */
  async customerTimeline(id: string) {
    return (await this.repo.timeline(id, 'customer')).map(timelineView);
  }

  /** Deadlines due by `until` among cases that may escalate (index-only: cases_deadline_due_idx). */
  dueDeadlines(until: Date, limit: number): Promise<DueCase[]> {
    return this.repo.dueDeadlines(until, limit);
  }

  dueReminders(until: Date, limit: number): Promise<DueCase[]> {
    return this.repo.dueReminders(until, limit);
  }

  pendingActions(limit: number): Promise<DueCase[]> {
    return this.repo.pendingActions(limit);
  }

  /** The plan PostgreSQL uses for one of the reconciler's queries (tests and the bench prove the indexes). */
  explainDue(which: 'deadlines' | 'reminders' | 'actions', until: Date, limit: number): Promise<string> {
    return this.repo.explainDue(which, until, limit);
  }

  find(id: string): Promise<CaseEntity | null> {
    return this.repo.find(id);
  }

  /** Where a case stands (status, deadline, extensions granted); null for an unknown id. */
  standing(id: string): Promise<CaseStanding | null> {
    return this.repo.standing(id);
  }

  /** Whether a reply (by inbound message id) is already on the case's timeline: mail may hand one over again. */
  hasReplyRecorded(caseId: string, inboundMessageId: string): Promise<boolean> {
    return this.repo.hasTimelineEntryFor(caseId, inboundMessageId);
  }

  findOpenByKey(vmId: string, role: string, kind: string): Promise<CaseEntity | null> {
    return this.repo.findOpenByKey(this.repo.ds.manager, vmId, role, kind, false);
  }
}

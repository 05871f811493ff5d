import type { CaseEntity } from '../persistence/case.entity';
import type { CaseNoticeView } from './case-notifier';
import { recommendationsFor } from './recommendations';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The case as the API and notices show it (dates as ISO strings, recommendations attached). */
export function toCaseView(c: CaseEntity) {
  return {
    id: c.id,
    number: c.number,
    vmId: c.vmId,
    deploymentId: c.deploymentId,
    subscriptionId: c.subscriptionId,
    role: c.role,
    direction: c.direction,
    kind: c.kind,
    severity: c.severity,
    status: c.status,
    resolution: c.resolution,
    openedAt: c.openedAt.toISOString(),
    notifiedAt: iso(c.notifiedAt),
    closedAt: iso(c.closedAt),
    deadlineAt: iso(c.deadlineAt),
    originalDeadlineAt: iso(c.originalDeadlineAt),
    nextReminderAt: iso(c.nextReminderAt),
    extensions: { count: c.extensionCount, totalMs: c.extensionTotalMs },
    hold: c.heldAt ? { at: c.heldAt.toISOString(), by: c.heldBy, reason: c.holdReason } : null,
    assignee: c.assignee,
    pendingRequest: c.pendingRequest,
    shutdowns: c.shutdownCount,
    restarts: c.restartCount,
    shutDownAt: iso(c.shutDownAt),
    restartedAt: iso(c.restartedAt),
    lastActionError: c.lastActionError,
    duplicateOf: c.duplicateOf,
    reopenCount: c.reopenCount,
    evidence: c.evidence,
    recommendations: recommendationsFor(c.kind, c.role),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function toNoticeView(c: CaseEntity): CaseNoticeView {
  return {
    id: c.id,
    number: c.number,
    vmId: c.vmId,
    deploymentId: c.deploymentId,
    subscriptionId: c.subscriptionId,
    role: c.role,
    direction: c.direction,
    kind: c.kind,
    severity: c.severity,
    status: c.status,
    openedAt: c.openedAt.toISOString(),
    deadlineAt: iso(c.deadlineAt),
    evidence: c.evidence,
    recommendations: recommendationsFor(c.kind, c.role),
  };
}

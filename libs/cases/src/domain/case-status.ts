/**
 * Every status a case can have, grouped by what the rest of the system does with it.
 * The table of moves between them is in case-state-machine.ts; libs/cases/README.md explains each.
 */
export const CaseStatus = {
  /** Opened from a finding; the owner's notice has not been accepted yet. */
  OPEN: 'open',
  /** The owner has been told (the notifier accepted the notice). */
  NOTIFIED: 'notified',
  /** The owner asked for more time; escalation waits for a responder. */
  EXTENSION_REQUESTED: 'extension-requested',
  /** The owner says the traffic is normal; escalation waits for a responder. */
  EXCEPTION_REQUESTED: 'exception-requested',
  /** An extension was granted: the deadline moved. */
  EXTENDED: 'extended',
  /** The shutdown request is stored and being delivered to the control plane. */
  SHUTDOWN_PENDING: 'shutdown-pending',
  /** The control plane confirmed the shutdown. */
  SHUT_DOWN: 'shut-down',
  /** The control plane refused (4xx) or could not be reached after every retry; a responder must act. */
  SHUTDOWN_FAILED: 'shutdown-failed',
  /** A restart request is stored and being delivered. */
  RESTART_PENDING: 'restart-pending',
  /** The deployment runs again; the case watches for the traffic to come back. */
  RESTARTED: 'restarted',
  /** Closed: the re-check found that the traffic stopped (or, for targets, the attack ended). */
  MITIGATED: 'mitigated',
  /** Closed by a responder as a true positive. */
  RESOLVED: 'resolved',
  /** Closed by a responder: the detection was wrong. */
  FALSE_POSITIVE: 'false-positive',
  /** Closed otherwise: a duplicate of another case, or expected behaviour (approved exception). */
  CLOSED: 'closed',
} as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

export const CASE_STATUSES: readonly CaseStatus[] = Object.values(CaseStatus);

/** Statuses of a closed case (closed_at set); every other status is open. */
export const CLOSED_STATUSES: readonly CaseStatus[] = ['mitigated', 'resolved', 'false-positive', 'closed'];

/**
 * Where a deadline may escalate. `open` is here so that the deadline job can notice an owner who
 * was never told and re-send the notice instead of shutting down (see escalation.service.ts).
 * The same literal list is the predicate of the partial index cases_deadline_due_idx.
 */
export const DEADLINE_STATUSES: readonly CaseStatus[] = ['open', 'notified', 'extended'];

/** A customer's request waits for a responder: escalation waits too. */
export const AWAITING_RESPONDER_STATUSES: readonly CaseStatus[] = ['extension-requested', 'exception-requested'];

/** Reminders go out only to owners who were told and have no request pending (cases_reminder_due_idx). */
export const REMINDER_STATUSES: readonly CaseStatus[] = ['notified', 'extended'];

/** A control-plane call is in flight (cases_action_pending_idx). */
export const ACTION_PENDING_STATUSES: readonly CaseStatus[] = ['shutdown-pending', 'restart-pending'];

export function isClosed(status: CaseStatus): boolean {
  return CLOSED_STATUSES.includes(status);
}

/** How a closed case ended; each closed status allows the resolutions listed in resolutionStatus. */
export type CaseResolution = 'mitigated' | 'true-positive' | 'false-positive' | 'duplicate' | 'expected-behaviour';

export function statusForResolution(resolution: CaseResolution): CaseStatus {
  switch (resolution) {
    case 'mitigated':
      return CaseStatus.MITIGATED;
    case 'true-positive':
      return CaseStatus.RESOLVED;
    case 'false-positive':
      return CaseStatus.FALSE_POSITIVE;
    default:
      return CaseStatus.CLOSED;
  }
}

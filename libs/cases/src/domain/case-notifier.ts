import type { FindingDirection, FindingRole, Severity } from '@sg/queues';
import type { CaseEvidence } from './case-evidence';
import type { CaseStatus } from './case-status';
import type { Recommendation } from './recommendations';

/** Events a customer must hear about. */
export type CaseNoticeEvent =
  | 'case-opened'
  | 'case-reopened'
  /** A case the owner was told of came back within CASE_REOPEN_WINDOW: its deadline stands (no new red e-mail). */
  | 'traffic-resumed'
  | 'reminder'
  | 'final-warning'
  | 'shutdown'
  | 'restarted'
  | 'mitigated'
  | 'closed'
  | 'extension-received'
  | 'extension-granted'
  | 'extension-denied'
  | 'exception-received'
  | 'exception-approved'
  | 'exception-rejected';

/** What a notice may show the owner: no internal notes, holds or responder names. */
export interface CaseNoticeView {
  id: string;
  /** Short reference for subject tags, e.g. [SG-42]. */
  number: number;
  vmId: string;
  deploymentId: string;
  subscriptionId: string;
  role: FindingRole;
  direction: FindingDirection;
  kind: string;
  severity: Severity;
  status: CaseStatus;
  openedAt: string;
  deadlineAt: string | null;
  evidence: CaseEvidence;
  recommendations: Recommendation;
}

export interface CaseNotice {
  event: CaseNoticeEvent;
  at: string;
  case: CaseNoticeView;
  /** Event specifics: the new deadline, the reminder, the reason given, the re-check figures... */
  details: Record<string, unknown>;
}

/**
 * The port through which the case module tells owners what happened. A bridge provides it
 * (@sg/case-mail: red e-mails, reminders, notices); without one, LoggingCaseNotifier only logs.
 * `notify` resolves when the notice is accepted for delivery (e.g. written to an outbox), not when
 * it is read.
 */
export interface CaseNotifier {
  notify(notice: CaseNotice): Promise<void>;
}

export const CASE_NOTIFIER = Symbol('CASE_NOTIFIER');

import { activityLabel } from './activity-label';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/**
 * A case the owner was already told of came back within CASE_REOPEN_WINDOW: not a new red e-mail,
 * a notice that the traffic resumed and that the deadline it already had still stands (or, if it
 * had passed, when escalation now comes).
 */
export interface TrafficResumedModel extends CaseMailModel {
  /** The deadline now in force (null for a VM under attack: nothing is asked of its owner). */
  deadlineAt: string | null;
  /** Whether it is the deadline the owner was given before (false: it had passed). */
  deadlineKept: boolean;
  /** How many times the case has come back. */
  reopenCount: number;
}

export const trafficResumedTemplate: MailTemplate<TrafficResumedModel> = {
  name: 'traffic-resumed',
  subject: (m) =>
    subjectLine(
      m.case.number,
      `Traffic resumed: ${activityLabel.kind(m.case.kind)} ${m.case.role === 'source' ? 'from' : 'against'} your VM ${m.case.vm.name}`,
    ),
};

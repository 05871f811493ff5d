import { activityLabel } from './activity-label';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** The case ended: the traffic stopped (mitigated), or a responder closed it. */
export interface CaseClosedModel extends CaseMailModel {
  outcome: 'mitigated' | 'closed';
  closedAt: string;
  /** A responder's words for the owner, or null. */
  note: string | null;
}

export const caseClosedTemplate: MailTemplate<CaseClosedModel> = {
  name: 'case-closed',
  subject: (m) =>
    subjectLine(
      m.case.number,
      m.outcome === 'mitigated'
        ? `Resolved: the ${activityLabel.kind(m.case.kind)} from ${m.case.vm.name} has stopped`
        : `Case closed: ${activityLabel.kind(m.case.kind)} on ${m.case.vm.name}`,
    ),
};

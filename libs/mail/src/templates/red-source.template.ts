import { activityLabel } from './activity-label';
import type { EvidenceView, RecommendationView } from './case-mail-view';
import { mailFormat } from './mail-format';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** The red e-mail to the owner of a VM that attacks others: evidence, what to do, and the deadline. */
export interface RedMailSourceModel extends CaseMailModel {
  evidence: EvidenceView;
  recommendations: RecommendationView;
  /** When the deployment is shut down if the traffic goes on and nobody answered. */
  deadlineAt: string;
}

export const redSourceTemplate: MailTemplate<RedMailSourceModel> = {
  name: 'red-source',
  subject: (m) =>
    subjectLine(
      m.case.number,
      `Action required by ${mailFormat.date(m.deadlineAt)}: ${activityLabel.kind(m.case.kind)} from your VM ${m.case.vm.name}`,
    ),
};

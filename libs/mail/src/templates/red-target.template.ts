import { activityLabel } from './activity-label';
import type { EvidenceView, RecommendationView } from './case-mail-view';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** The red e-mail to the owner of a VM under attack: what hits it and how to protect it; no deadline. */
export interface RedMailTargetModel extends CaseMailModel {
  evidence: EvidenceView;
  recommendations: RecommendationView;
}

export const redTargetTemplate: MailTemplate<RedMailTargetModel> = {
  name: 'red-target',
  subject: (m) =>
    subjectLine(m.case.number, `Your VM ${m.case.vm.name} is under attack: ${activityLabel.kind(m.case.kind)}`),
};

import { mailFormat } from './mail-format';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** The last notice before the deadline: the shutdown is next. */
export interface FinalWarningModel extends CaseMailModel {
  deadlineAt: string;
  timeLeftMs: number;
}

export const finalWarningTemplate: MailTemplate<FinalWarningModel> = {
  name: 'final-warning',
  subject: (m) =>
    subjectLine(
      m.case.number,
      `Final warning: deployment ${m.case.deployment.name} will be shut down at ${mailFormat.date(m.deadlineAt)}`,
    ),
};

import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

export interface ExceptionRejectedModel extends CaseMailModel {
  reason: string;
  /** The deadline that stands (null for targets). */
  deadlineAt: string | null;
}

export const exceptionRejectedTemplate: MailTemplate<ExceptionRejectedModel> = {
  name: 'exception-rejected',
  subject: (m) => subjectLine(m.case.number, `Exception not approved for ${m.case.vm.name}`),
};

import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

export interface ExceptionApprovedModel extends CaseMailModel {
  /** The traffic pattern that is now expected from this VM. */
  description: string;
  /** When the exception lapses, or null for no end. */
  expiresAt: string | null;
  note: string | null;
}

export const exceptionApprovedTemplate: MailTemplate<ExceptionApprovedModel> = {
  name: 'exception-approved',
  subject: (m) => subjectLine(m.case.number, `Exception approved for ${m.case.vm.name}`),
};

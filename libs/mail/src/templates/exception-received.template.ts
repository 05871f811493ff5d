import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** Acknowledges "this traffic is normal" with the description the owner gave. */
export interface ExceptionReceivedModel extends CaseMailModel {
  description: string;
  /** The deadline still runs while a responder reviews (null for targets). */
  deadlineAt: string | null;
}

export const exceptionReceivedTemplate: MailTemplate<ExceptionReceivedModel> = {
  name: 'exception-received',
  subject: (m) => subjectLine(m.case.number, `We received your exception request for ${m.case.vm.name}`),
};

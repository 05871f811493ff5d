import { mailFormat } from './mail-format';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

export interface ExtensionGrantedModel extends CaseMailModel {
  previousDeadlineAt: string;
  deadlineAt: string;
  note: string | null;
}

export const extensionGrantedTemplate: MailTemplate<ExtensionGrantedModel> = {
  name: 'extension-granted',
  subject: (m) => subjectLine(m.case.number, `Extension granted: new deadline ${mailFormat.date(m.deadlineAt)}`),
};

import { mailFormat } from './mail-format';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

export interface ExtensionDeniedModel extends CaseMailModel {
  /** The deadline that stands. */
  deadlineAt: string;
  reason: string;
}

export const extensionDeniedTemplate: MailTemplate<ExtensionDeniedModel> = {
  name: 'extension-denied',
  subject: (m) =>
    subjectLine(m.case.number, `Extension not granted: the deadline stays ${mailFormat.date(m.deadlineAt)}`),
};

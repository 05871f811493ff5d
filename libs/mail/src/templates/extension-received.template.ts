import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** Acknowledges a request for more time; a responder decides. */
export interface ExtensionReceivedModel extends CaseMailModel {
  /** The moment asked for, when the reply said one; null when it did not. */
  requestedUntil: string | null;
  /** The deadline that stands until a responder decides. */
  deadlineAt: string;
}

export const extensionReceivedTemplate: MailTemplate<ExtensionReceivedModel> = {
  name: 'extension-received',
  subject: (m) => subjectLine(m.case.number, 'We received your request for more time'),
};

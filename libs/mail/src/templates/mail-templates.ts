import { caseClosedTemplate } from './case-closed.template';
import { exceptionApprovedTemplate } from './exception-approved.template';
import { exceptionReceivedTemplate } from './exception-received.template';
import { exceptionRejectedTemplate } from './exception-rejected.template';
import { extensionDeniedTemplate } from './extension-denied.template';
import { extensionGrantedTemplate } from './extension-granted.template';
import { extensionReceivedTemplate } from './extension-received.template';
import { finalWarningTemplate } from './final-warning.template';
import type { MailTemplate } from './mail-template';
import { redSourceTemplate } from './red-source.template';
import { redTargetTemplate } from './red-target.template';
import { reminderTemplate } from './reminder.template';
import { restartedTemplate } from './restarted.template';
import { shutdownTemplate } from './shutdown.template';
import { trafficResumedTemplate } from './traffic-resumed.template';

/** Every template by name; `enqueue({template, model})` is checked against this at compile time. */
export const MAIL_TEMPLATES = {
  'red-source': redSourceTemplate,
  'red-target': redTargetTemplate,
  reminder: reminderTemplate,
  'final-warning': finalWarningTemplate,
  shutdown: shutdownTemplate,
  restarted: restartedTemplate,
  'case-closed': caseClosedTemplate,
  'extension-received': extensionReceivedTemplate,
  'extension-granted': extensionGrantedTemplate,
  'extension-denied': extensionDeniedTemplate,
  'exception-received': exceptionReceivedTemplate,
  'exception-approved': exceptionApprovedTemplate,
  'exception-rejected': exceptionRejectedTemplate,
  'traffic-resumed': trafficResumedTemplate,
} as const;

export type MailTemplateName = keyof typeof MAIL_TEMPLATES;

/** The model type of a template. */
export type MailModel<T extends MailTemplateName> =
  (typeof MAIL_TEMPLATES)[T] extends MailTemplate<infer M> ? M : never;

export const MAIL_TEMPLATE_NAMES = Object.keys(MAIL_TEMPLATES) as MailTemplateName[];

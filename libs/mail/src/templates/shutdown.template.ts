import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** The deployment was shut down; how to get it back. */
export interface ShutdownModel extends CaseMailModel {
  shutDownAt: string;
  /** Why, in one sentence: e.g. "the traffic went on after the deadline". */
  reason: string;
}

export const shutdownTemplate: MailTemplate<ShutdownModel> = {
  name: 'shutdown',
  subject: (m) => subjectLine(m.case.number, `Deployment ${m.case.deployment.name} has been shut down`),
};

import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** The deployment is being started again after a shutdown. */
export interface RestartedModel extends CaseMailModel {
  restartedAt: string;
}

export const restartedTemplate: MailTemplate<RestartedModel> = {
  name: 'restarted',
  subject: (m) => subjectLine(m.case.number, `Deployment ${m.case.deployment.name} is being restarted`),
};

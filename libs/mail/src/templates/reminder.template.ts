import { activityLabel } from './activity-label';
import { mailFormat } from './mail-format';
import type { CaseMailModel, MailTemplate } from './mail-template';
import { subjectLine } from './subject-line';

/** A reminder while the deadline runs. */
export interface ReminderModel extends CaseMailModel {
  deadlineAt: string;
  /** Time left when the reminder was due (not when it is read). */
  timeLeftMs: number;
}

export const reminderTemplate: MailTemplate<ReminderModel> = {
  name: 'reminder',
  subject: (m) =>
    subjectLine(
      m.case.number,
      `Reminder: ${mailFormat.duration(m.timeLeftMs)} left to stop the ${activityLabel.kind(m.case.kind)} from ${m.case.vm.name}`,
    ),
};

import { Injectable, Logger } from '@nestjs/common';
import type { CaseNotice, CaseNotifier } from './case-notifier';

/** The CaseNotifier of a process with no bridge providing CASE_NOTIFIER (e.g. no mail): a log line per notice. */
@Injectable()
export class LoggingCaseNotifier implements CaseNotifier {
  private readonly logger = new Logger('CaseNotifier');

  async notify(notice: CaseNotice): Promise<void> {
    this.logger.log(
      {
        event: notice.event,
        caseId: notice.case.id,
        subscriptionId: notice.case.subscriptionId,
        status: notice.case.status,
        deadlineAt: notice.case.deadlineAt,
        details: notice.details,
      },
      `case notice: ${notice.event}`,
    );
  }
}

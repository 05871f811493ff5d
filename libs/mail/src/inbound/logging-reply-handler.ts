import { Injectable, Logger } from '@nestjs/common';
import type { ReplyDecision } from './reply-decision';
import type { ReplyHandler } from './reply-handler';

/**
 * The default REPLY_HANDLER, for a process where no bridge passed one to MailModule.forRoot
 * (mail without cases): decisions are only logged.
 */
@Injectable()
export class LoggingReplyHandler implements ReplyHandler {
  private readonly logger = new Logger('ReplyHandler');

  async handle(d: ReplyDecision): Promise<void> {
    this.logger.log(
      {
        inboundMessageId: d.inboundMessageId,
        caseId: d.caseId,
        matchedBy: d.matchedBy,
        automatic: d.automatic,
        verifiedSender: d.verifiedSender,
        intent: d.intent.kind,
        bounceRecipients: d.bounceRecipients,
      },
      'reply received',
    );
  }
}

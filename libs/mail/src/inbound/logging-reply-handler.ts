import { Injectable, Logger } from '@nestjs/common';
import type { ReplyDecision } from './reply-decision';
import type { ReplyHandler } from './reply-handler';

/**
 * The REPLY_HANDLER mail hands decisions to. It passes them on to the handler the cases module
 * registers with `use()` (so mail never imports cases at run time), and only logs them while no
 * handler is registered (a process without the cases module).
 */
@Injectable()
export class LoggingReplyHandler implements ReplyHandler {
  private readonly logger = new Logger('ReplyHandler');
  private delegate: ReplyHandler | null = null;

  use(handler: ReplyHandler): void {
    this.delegate = handler;
  }

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
    if (this.delegate) await this.delegate.handle(d);
  }
}

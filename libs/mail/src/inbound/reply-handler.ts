import type { ReplyDecision } from './reply-decision';

/**
 * Where decisions about replies go. A bridge passes the real one to MailModule.forRoot
 * ({replyHandler}): @sg/case-mail's CaseReplyHandler (timeline entries, extension and exception
 * requests, fixed reports); without one, LoggingReplyHandler only logs them. Must be idempotent
 * on decision.inboundMessageId (see ReplyDecision). A throw is recorded and the decision is handed
 * over again by the mail reconciler.
 */
export interface ReplyHandler {
  handle(decision: ReplyDecision): Promise<void>;
}

export const REPLY_HANDLER = Symbol('REPLY_HANDLER');

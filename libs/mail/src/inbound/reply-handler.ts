import type { ReplyDecision } from './reply-decision';

/**
 * Where decisions about replies go. The cases module provides the real one (timeline entries,
 * extension and exception requests, fixed reports) by registering with the default handler's
 * use(); without it decisions are only logged. Must be idempotent on decision.inboundMessageId (see ReplyDecision).
 * A throw is recorded and the decision is handed over again by the mail reconciler.
 */
export interface ReplyHandler {
  handle(decision: ReplyDecision): Promise<void>;
}

export const REPLY_HANDLER = Symbol('REPLY_HANDLER');

import type { MatchedBy } from './case-matcher';
import type { ReplyIntent } from './reply-intent.classifier';

/**
 * What the inbound side concluded about one received message; handed to the ReplyHandler, which
 * applies case policy. Handlers must be idempotent on `inboundMessageId`: a decision whose
 * handling failed (or whose success could not be recorded) is handed over again.
 */
export interface ReplyDecision {
  inboundMessageId: string;
  caseId: string | null;
  caseNumber: number | null;
  matchedBy: MatchedBy | null;
  /** Machine-sent (bounce, out-of-office, list mail): never the owner's answer. */
  automatic: boolean;
  automaticKind: 'bounce' | 'auto-reply' | null;
  automaticReasons: string[];
  /** Recipients a bounce reports as failing (already marked failing when they are the case's contacts). */
  bounceRecipients: string[];
  /** The From address, lower-cased. */
  from: string | null;
  /** The sender is one of the case's contacts; false for strangers (the timeline shows them as unverified). */
  verifiedSender: boolean;
  /** For automatic mail always `other` with confidence 0. */
  intent: ReplyIntent;
  /** The owner's words, without quoted history and signature. */
  replyText: string;
  subject: string;
  receivedAt: string;
  /** The Date header, when readable. */
  sentAt: string | null;
}

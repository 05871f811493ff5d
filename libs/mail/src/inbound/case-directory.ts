/** A case as the inbound side needs it: which one, and who may speak for it. */
export interface CaseContact {
  caseId: string;
  caseNumber: number;
  /** Lower-cased addresses whose replies count as the owner's (verifiedSender). */
  contacts: string[];
}

/**
 * How replies find their case. The default (OutboxCaseDirectory) reads mail's own tables: the
 * threads the outbox keeps and the Message-IDs it sent. A bridge (@sg/case-mail) may provide its own
 * (e.g. with the subscription's current contacts from the inventory) through MailModule.forRoot.
 */
export interface CaseDirectory {
  /** By the token of the reply address case+<token>@MAIL_REPLY_DOMAIN. */
  lookupByToken(token: string): Promise<CaseContact | null>;
  /** By the number of the subject tag [SG-<n>]. */
  lookupByNumber(caseNumber: number): Promise<CaseContact | null>;
  /** By a Message-ID we sent (without angle brackets), from In-Reply-To or References. */
  lookupByMessageId(messageId: string): Promise<CaseContact | null>;
}

export const CASE_DIRECTORY = Symbol('CASE_DIRECTORY');

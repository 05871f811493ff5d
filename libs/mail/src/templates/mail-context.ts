/**
 * What the outbox adds to every model when it renders: the case's subject tag and the addresses
 * the owner can answer to. Templates read it as `mail.*`.
 */
export interface MailContext {
  /** `[SG-1234]` */
  tag: string;
  /** The case's own reply address, `case+<token>@MAIL_REPLY_DOMAIN`. */
  replyAddress: string;
  /** The sender address of notices (MAIL_FROM), shown as the human contact. */
  from: string;
  /** The case's customer page (signed, expiring link: PUBLIC_URL/c/<token>); null for mail without a case. */
  caseUrl: string | null;
}

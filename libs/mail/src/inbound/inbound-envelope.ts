/** How a message reached us. */
export interface InboundEnvelope {
  via: 'smtp' | 'imap';
  /** SMTP MAIL FROM: '' for the null sender (bounces), null when unknown (IMAP). */
  mailFrom: string | null;
  /** SMTP RCPT TO (empty from IMAP: the headers tell). */
  rcptTo: string[];
  remoteAddress?: string | null;
}

/** A message we cannot read as mail; the SMTP receiver refuses it, the IMAP poller stores it as unparseable. */
export class MalformedMailError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedMailError';
  }
}

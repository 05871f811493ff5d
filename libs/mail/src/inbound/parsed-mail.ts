import PostalMime from 'postal-mime';
import { stripAngles } from '../outbound/mail-address';
import { htmlToText } from './html-to-text';
import { MalformedMailError } from './malformed-mail.error';

/** A received message as the rest of the inbound side reads it: addresses bare and lower-cased. */
export interface ParsedMail {
  /** Every header, keys lower-cased, in order. */
  headers: { key: string; value: string }[];
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  from: string | null;
  fromName: string | null;
  to: string[];
  cc: string[];
  subject: string;
  /** ISO time from the Date header, or null when missing or unreadable. */
  date: string | null;
  /** The text part, or the HTML part as text. */
  text: string;
  /** The top-level Content-Type, lower-cased. */
  contentType: string;
  /** Bodies of message/delivery-status parts (DSNs). */
  deliveryStatus: string[];
  /** Message-IDs quoted in returned headers (text/rfc822-headers, message/rfc822) of a bounce. */
  returnedMessageIds: string[];
}

/** RFC 5322 field names: printable ASCII except ':'. */
const FIELD_NAME = /^[!-9;-~]+$/;

export function headerValue(mail: Pick<ParsedMail, 'headers'>, name: string): string | undefined {
  const key = name.toLowerCase();
  return mail.headers.find((h) => h.key === key)?.value;
}

function ids(v: string | undefined): string[] {
  if (!v) return [];
  return (v.match(/<[^<>\s]+>/g) ?? []).map(stripAngles).filter((x) => x.includes('@'));
}

type Address = PostalMime.Address;

function mailboxes(list: Address[] | Address | undefined): { address: string; name: string }[] {
  const arr = !list ? [] : Array.isArray(list) ? list : [list];
  return arr
    .flatMap((a) => (a.group ? a.group : [a]))
    .filter((a): a is { address: string; name: string } => !!a.address);
}

function contentString(c: ArrayBuffer | Uint8Array | string): string {
  return typeof c === 'string' ? c : Buffer.from(c as ArrayBuffer).toString('utf8');
}

/**
 * Parses a raw message with postal-mime. Throws MalformedMailError for what is not mail: a parser
 * failure (nesting or header limits), header names that are not header names (binary junk), or
 * no From address at all.
 */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  let email: PostalMime.Email;
  try {
    email = await PostalMime.parse(raw, {
      attachmentEncoding: 'utf8',
      maxNestingDepth: 50,
      maxHeadersSize: 256 * 1024,
      maxRfc822NestingDepth: 3,
    });
  } catch (err) {
    throw new MalformedMailError(`the message cannot be parsed: ${(err as Error).message}`);
  }
  const bad = email.headers.find((h) => !FIELD_NAME.test(h.originalKey));
  if (bad || !email.headers.length) throw new MalformedMailError('the message has no valid header section');
  const from = mailboxes(email.from)[0];
  if (!from || !from.address.includes('@')) throw new MalformedMailError('the message has no From address');

  const date = email.date ? new Date(email.date) : null;
  const returned = email.attachments
    .filter((a) => a.mimeType === 'text/rfc822-headers' || a.mimeType === 'message/rfc822')
    .flatMap((a) => ids(/^message-id:\s*(.*)$/im.exec(contentString(a.content))?.[1]));
  return {
    headers: email.headers.map((h) => ({ key: h.key, value: h.value })),
    messageId: email.messageId ? stripAngles(email.messageId) : null,
    inReplyTo: ids(email.inReplyTo),
    references: ids(email.references),
    from: from.address.toLowerCase(),
    fromName: from.name || null,
    to: mailboxes(email.to).map((a) => a.address.toLowerCase()),
    cc: mailboxes(email.cc).map((a) => a.address.toLowerCase()),
    subject: email.subject ?? '',
    date: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
    text: email.text?.trim() ? email.text : email.html ? htmlToText(email.html) : '',
    contentType: (email.headers.find((h) => h.key === 'content-type')?.value ?? 'text/plain').toLowerCase(),
    deliveryStatus: email.attachments
      .filter((a) => a.mimeType === 'message/delivery-status' || a.mimeType === 'message/global-delivery-status')
      .map((a) => contentString(a.content)),
    returnedMessageIds: returned,
  };
}

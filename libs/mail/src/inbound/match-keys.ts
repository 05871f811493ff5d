import type { ParsedMail } from './parsed-mail';

/** What in a reply can point to its case, each list in the order it is tried. */
export interface MatchKeys {
  tokens: string[];
  caseNumbers: number[];
  messageIds: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Reads the keys from a reply: reply tokens from the recipients (envelope first, then To, Cc and
 * Delivered-To / X-Original-To, which is all an IMAP mailbox still has), subject tags, and the
 * Message-IDs it answers (In-Reply-To, then References nearest first, then those quoted in a
 * bounce's returned headers).
 */
export function extractMatchKeys(
  mail: Pick<ParsedMail, 'headers' | 'to' | 'cc' | 'subject' | 'inReplyTo' | 'references' | 'returnedMessageIds'>,
  envelopeTo: string[],
  replyDomain: string,
): MatchKeys {
  const tokenRe = new RegExp(`^case\\+([a-z2-7]{26})@${escape(replyDomain.toLowerCase())}$`);
  const headerRcpts = mail.headers
    .filter((h) => h.key === 'delivered-to' || h.key === 'x-original-to')
    .map((h) => h.value.trim().replace(/^<|>$/g, ''));
  const tokens: string[] = [];
  for (const a of [...envelopeTo, ...mail.to, ...mail.cc, ...headerRcpts]) {
    const t = tokenRe.exec(a.trim().toLowerCase())?.[1];
    if (t && !tokens.includes(t)) tokens.push(t);
  }
  const caseNumbers: number[] = [];
  for (const m of mail.subject.matchAll(/\[SG-(\d{1,12})\]/gi)) {
    const n = Number(m[1]);
    if (n > 0 && Number.isSafeInteger(n) && !caseNumbers.includes(n)) caseNumbers.push(n);
  }
  const messageIds = [...new Set([...mail.inReplyTo, ...[...mail.references].reverse(), ...mail.returnedMessageIds])];
  return { tokens, caseNumbers, messageIds };
}

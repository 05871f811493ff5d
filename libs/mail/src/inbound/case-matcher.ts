import type { CaseContact, CaseDirectory } from './case-directory';
import type { MatchKeys } from './match-keys';

export type MatchedBy = 'token' | 'subject' | 'thread';

export interface CaseMatch {
  contact: CaseContact;
  by: MatchedBy;
  key: string;
}

/**
 * Finds the case of a reply: the reply address's token first (it cannot be guessed and survives
 * any subject rewriting), then the subject tag (kept by most clients, but guessable), then the
 * thread headers against the Message-IDs we sent (lost by some clients and forwards). The first
 * key the directory knows wins.
 */
export async function matchCase(keys: MatchKeys, directory: CaseDirectory): Promise<CaseMatch | null> {
  for (const token of keys.tokens) {
    const contact = await directory.lookupByToken(token);
    if (contact) return { contact, by: 'token', key: token };
  }
  for (const n of keys.caseNumbers) {
    const contact = await directory.lookupByNumber(n);
    if (contact) return { contact, by: 'subject', key: `SG-${n}` };
  }
  for (const id of keys.messageIds) {
    const contact = await directory.lookupByMessageId(id);
    if (contact) return { contact, by: 'thread', key: id };
  }
  return null;
}

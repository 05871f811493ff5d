import { randomBytes } from 'node:crypto';

/**
 * Per-case reply tokens: 128 random bits in lower-case base32 (26 characters). Lower case because
 * some mail systems lower-case local parts; base32 because it survives that and stays short.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export const REPLY_TOKEN_PATTERN = /^[a-z2-7]{26}$/;

export function newReplyToken(): string {
  const bytes = randomBytes(17); // 136 bits read, the first 130 used (26 x 5); 128 of them are what counts
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export function replyAddress(token: string, domain: string): string {
  return `case+${token}@${domain}`;
}

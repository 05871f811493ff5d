import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens are 32 random bytes, so a plain SHA-256 is enough to store them safely (no salt or slow
 * hash needed: there is no dictionary to attack). Only the hash is ever stored or compared.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return `sg_${randomBytes(32).toString('base64url')}`;
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

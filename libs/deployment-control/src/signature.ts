import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The value of X-Safeguards-Signature: `sha256=` and the hex HMAC-SHA256 of the raw body with
 * DEPLOYMENT_CONTROL_SECRET. The receiver must compute it over the bytes it received, before
 * parsing JSON (re-serialising changes the bytes).
 */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a received signature header (for receivers and tests). */
export function verifySignature(body: string | Buffer, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AppConfig } from './config/app-config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why a customer link was refused (the page says only "not valid"; logs and tests see the reason). */
export type LinkRefusal = 'malformed' | 'signature' | 'expired';

/**
 * The signed, expiring token of a customer page link: `<caseId>.<expires, unix s>.<HMAC-SHA256>`,
 * the MAC over `<caseId>.<expires>` with CUSTOMER_LINK_SECRET. It names one case, so a link opens
 * only that case's page; changing any character breaks the MAC.
 */
export class CustomerLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlMs: number,
  ) {
    this.key = createHash('sha256').update(`sg-customer-link:${secret}`).digest();
  }

  sign(caseId: string, now = Date.now()): string {
    const exp = Math.floor((now + this.ttlMs) / 1000);
    return `${caseId}.${exp}.${this.mac(`${caseId}.${exp}`)}`;
  }

  /** The case id, or why not. */
  verify(token: string, now = Date.now()): { caseId: string } | { refused: LinkRefusal } {
    const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m || !UUID.test(m[1])) return { refused: 'malformed' };
    const want = Buffer.from(this.mac(`${m[1]}.${m[2]}`));
    const got = Buffer.from(m[3]);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { refused: 'signature' };
    if (Number(m[2]) * 1000 <= now) return { refused: 'expired' };
    return { caseId: m[1] };
  }

  /** The CSRF token of a customer page's forms: only who holds the link can know it. */
  formToken(token: string): string {
    return this.mac(`form:${token}`);
  }

  private mac(s: string): string {
    return createHmac('sha256', this.key).update(s).digest('base64url');
  }
}

/**
 * The installation's customer links: keyed by CUSTOMER_LINK_SECRET, else by a key derived from
 * ADMIN_TOKEN (every process of an installation has the same), else a random key of this process
 * (its links die with it: a warning says so). The worker signs them into mail; the api verifies.
 */
export function customerLinksFrom(cfg: AppConfig): CustomerLinks {
  let secret = cfg.CUSTOMER_LINK_SECRET;
  if (!secret && cfg.ADMIN_TOKEN)
    secret = createHash('sha256').update(`customer-link:${cfg.ADMIN_TOKEN}`).digest('hex');
  if (!secret) {
    new Logger('customer-links').warn(
      'CUSTOMER_LINK_SECRET and ADMIN_TOKEN unset: customer links are valid in this process only',
    );
    secret = randomBytes(32).toString('hex');
  }
  return new CustomerLinks(secret, cfg.CUSTOMER_LINK_TTL);
}

/** The customer page of a case: `PUBLIC_URL/c/<token>`. */
export function customerPageUrl(cfg: AppConfig, links: CustomerLinks, caseId: string): string {
  return `${cfg.PUBLIC_URL.replace(/\/+$/, '')}/c/${links.sign(caseId)}`;
}

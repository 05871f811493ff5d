import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ConsoleSession } from './console-session.service';

export const SESSION_COOKIE = 'sg_console';
export const LOGIN_CSRF_COOKIE = 'sg_login_csrf';

export type ConsoleRequest = Request & { consoleSession?: ConsoleSession; body?: Record<string, unknown> };

/** Thrown to send the browser elsewhere (303 See Other), e.g. to the sign-in page. */
export class ConsoleRedirect extends Error {
  constructor(readonly location: string) {
    super(`redirect to ${location}`);
  }
}

/** A console page that cannot be shown: rendered as an HTML error page with this status. */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One cookie from the Cookie header (no library needed for the two the console sets). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * Sets a cookie HttpOnly and SameSite=Lax (a link from a mail or chat still opens the console; a
 * cross-site form post carries no cookie), Secure when the console is served over TLS (PUBLIC_URL
 * https, or the request came in over TLS, directly or through a trusted proxy).
 */
export function setCookie(
  req: Request,
  res: Response,
  name: string,
  value: string,
  opts: { maxAgeMs: number; path: string; secure: boolean },
): void {
  res.cookie(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: opts.secure || req.secure,
    path: opts.path,
    maxAge: opts.maxAgeMs,
  });
}

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length || !b) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** A form field as one trimmed string ('' when absent). */
export function field(req: ConsoleRequest, name: string): string {
  const v = req.body?.[name];
  return typeof v === 'string' ? v.trim() : '';
}

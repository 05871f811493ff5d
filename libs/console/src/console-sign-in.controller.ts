import { randomBytes } from 'node:crypto';
import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { Public } from '@sg/auth';
import { CONSOLE_CSS, LIVE_JS } from './console-assets';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleGuard } from './console.guard';
import {
  ConsoleError,
  LOGIN_CSRF_COOKIE,
  SESSION_COOKIE,
  field,
  readCookie,
  sameToken,
  setCookie,
  type ConsoleRequest,
} from './console-http';
import { ConsoleOidc, type OidcPending } from './console-oidc.service';
import { ConsoleSessionService } from './console-session.service';
import { ConsoleViews } from './console-views';

const OIDC_COOKIE = 'sg_oidc';

/** Only a path inside the console may be the page to return to after sign-in. */
const safeNext = (v: string) => (/^\/console(\/|\?|$)/.test(v) && !v.startsWith('//') ? v : '/console');

/** Sign-in, sign-out and the console's static assets (the only console paths without a session). */
@ApiExcludeController()
@Public()
@UseFilters(ConsoleExceptionFilter)
@Controller('console')
export class ConsoleSignInController {
  private readonly secure: boolean;

  constructor(
    private readonly sessions: ConsoleSessionService,
    private readonly views: ConsoleViews,
    private readonly oidc: ConsoleOidc,
    @Inject(APP_CONFIG) cfg: AppConfig,
  ) {
    this.secure = new URL(cfg.PUBLIC_URL).protocol === 'https:';
  }

  @Get('login')
  loginPage(@Req() req: ConsoleRequest, @Res() res: Response, @Query('next') next?: string) {
    this.renderLogin(req, res, safeNext(next ?? ''), null, 200);
  }

  /** A login form carries a double-submit token (cookie and field), so another site cannot sign a browser in. */
  @Post('login')
  async login(@Req() req: ConsoleRequest, @Res() res: Response) {
    const expected = readCookie(req, LOGIN_CSRF_COOKIE) ?? '';
    if (!sameToken(field(req, '_csrf'), expected)) {
      throw new ConsoleError(403, 'The sign-in form was not sent from this console (missing or wrong CSRF token).');
    }
    const next = safeNext(field(req, 'next'));
    const r = await this.sessions.signIn(field(req, 'token'));
    if (!r)
      return this.renderLogin(
        req,
        res,
        next,
        'That token is unknown, revoked, or not a responder or admin token.',
        401,
      );
    res.clearCookie(LOGIN_CSRF_COOKIE, { path: '/console' });
    setCookie(req, res, SESSION_COOKIE, r.sid, {
      maxAgeMs: this.sessions.ttlMs,
      path: '/console',
      secure: this.secure,
    });
    res.redirect(303, next);
  }

  /** Off to the OpenID Connect provider (when one is configured). */
  @Get('oidc/start')
  async oidcStart(@Req() req: ConsoleRequest, @Res() res: Response, @Query('next') next?: string) {
    if (!this.oidc.enabled) throw new ConsoleError(404, 'Single sign-on is not configured.');
    const { url, pending } = await this.oidc.start(safeNext(next ?? ''));
    const value = Buffer.from(JSON.stringify(pending)).toString('base64url');
    setCookie(req, res, OIDC_COOKIE, value, { maxAgeMs: 600_000, path: '/console/oidc', secure: this.secure });
    res.redirect(303, url);
  }

  /** Back from the provider: the code redeemed against this browser's state, nonce and PKCE verifier. */
  @Get('oidc/callback')
  async oidcCallback(@Req() req: ConsoleRequest, @Res() res: Response, @Query() query: Record<string, string>) {
    if (!this.oidc.enabled) throw new ConsoleError(404, 'Single sign-on is not configured.');
    let pending: OidcPending;
    try {
      pending = JSON.parse(Buffer.from(readCookie(req, OIDC_COOKIE) ?? '', 'base64url').toString()) as OidcPending;
    } catch {
      throw new ConsoleError(400, 'The sign-in took too long or was started elsewhere. Try again.');
    }
    res.clearCookie(OIDC_COOKIE, { path: '/console/oidc' });
    const r = await this.oidc.finish(query, pending);
    if ('refused' in r) throw new ConsoleError(403, r.refused);
    const { sid } = await this.sessions.open(r);
    setCookie(req, res, SESSION_COOKIE, sid, { maxAgeMs: this.sessions.ttlMs, path: '/console', secure: this.secure });
    res.redirect(303, safeNext(pending.next));
  }

  @Post('logout')
  @UseGuards(ConsoleGuard)
  async logout(@Req() req: ConsoleRequest, @Res() res: Response) {
    await this.sessions.signOut(readCookie(req, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, { path: '/console' });
    res.redirect(303, '/console/login');
  }

  @Get('assets/console.css')
  css(@Res() res: Response) {
    res.type('text/css').setHeader('cache-control', 'public, max-age=3600').send(CONSOLE_CSS);
  }

  @Get('assets/live.js')
  js(@Res() res: Response) {
    res.type('application/javascript').setHeader('cache-control', 'public, max-age=3600').send(LIVE_JS);
  }

  private renderLogin(req: ConsoleRequest, res: Response, next: string, error: string | null, status: number) {
    const csrf = randomBytes(24).toString('base64url');
    setCookie(req, res, LOGIN_CSRF_COOKIE, csrf, { maxAgeMs: 3_600_000, path: '/console', secure: this.secure });
    res
      .status(status)
      .type('html')
      .send(
        this.views.page('login', {
          title: 'Sign in',
          session: null,
          csrf,
          next,
          error,
          sso: this.oidc.enabled ? `/console/oidc/start?next=${encodeURIComponent(next)}` : null,
        }),
      );
  }
}

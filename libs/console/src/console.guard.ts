import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenRole, TokenService } from '@sg/auth';
import {
  ConsoleError,
  ConsoleRedirect,
  SESSION_COOKIE,
  readCookie,
  sameToken,
  type ConsoleRequest,
} from './console-http';
import { ConsoleSessionService } from './console-session.service';

const ADMIN_ONLY = 'sg:console:admin';
/** A console page or action only admins may use (tokens, policies); responders get 403. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/**
 * Every console page but sign-in: a live session (else to the sign-in page, coming back after),
 * the CSRF token of that session on every POST (else 403), and the admin role where asked.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  constructor(
    private readonly sessions: ConsoleSessionService,
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<ConsoleRequest>();
    const sid = readCookie(req, SESSION_COOKIE);
    let session = await this.sessions.get(sid);
    // A session made from an API token ends when the token is revoked.
    if (session && !session.tokenId.startsWith('oidc:') && !(await this.tokens.isActive(session.tokenId))) {
      await this.sessions.signOut(sid);
      session = null;
    }
    if (!session) {
      if (req.method !== 'GET') throw new ConsoleError(401, 'Your session has ended. Sign in again.');
      throw new ConsoleRedirect(`/console/login?next=${encodeURIComponent(req.originalUrl)}`);
    }
    req.consoleSession = session;
    if (req.method === 'POST' && !sameToken(req.body?._csrf, session.csrf)) {
      throw new ConsoleError(403, 'The form was not sent from this console (missing or wrong CSRF token).');
    }
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [ctx.getHandler(), ctx.getClass()]);
    if (adminOnly && session.role !== TokenRole.ADMIN) throw new ConsoleError(403, 'Only an admin may do this.');
    return true;
  }
}

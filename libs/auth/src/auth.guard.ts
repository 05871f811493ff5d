import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainException, ErrorCode } from '@sg/common';
import { TokenRole } from './role';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { TokenService, type Principal } from './token.service';

export type AuthedRequest = Request & { principal?: Principal };

/**
 * Global guard, closed by default: a handler is reachable only if it is @Public() or names its
 * roles with @Roles(...). Missing or unknown token: 401; known token without the role: 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<TokenRole[] | undefined>(ROLES_KEY, targets) ?? [];
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new DomainException(ErrorCode.UNAUTHENTICATED, 'missing bearer token');
    const principal = await this.tokens.authenticate(m[1]);
    if (!principal) throw new DomainException(ErrorCode.UNAUTHENTICATED, 'invalid or revoked token');
    req.principal = principal;
    if (principal.role === TokenRole.ADMIN || roles.includes(principal.role)) return true;
    throw new DomainException(ErrorCode.FORBIDDEN, roles.length ? `requires role ${roles.join(' or ')}` : 'admin only');
  }
}

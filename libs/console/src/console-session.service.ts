import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { TokenRole, TokenService } from '@sg/auth';

/** A signed-in responder or admin, as each console request sees it. */
export interface ConsoleSession {
  name: string;
  role: TokenRole;
  tokenId: string;
  csrf: string;
  expiresAt: Date;
}

const hash = (sid: string) => createHash('sha256').update(sid).digest('hex');

/**
 * Console sign-in: an API token (responder or admin) is exchanged once for a random session id,
 * which only the browser's cookie holds; PostgreSQL keeps its SHA-256 with the role, the CSRF token
 * of the session's forms and the expiry (CONSOLE_SESSION_TTL). Sign-out deletes the row.
 */
@Injectable()
export class ConsoleSessionService {
  readonly ttlMs: number;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) cfg: AppConfig,
  ) {
    this.ttlMs = cfg.CONSOLE_SESSION_TTL;
  }

  /** A new session for a responder's or admin's token; null for an unknown, revoked or ingest token. */
  async signIn(token: string): Promise<{ sid: string; session: ConsoleSession } | null> {
    const p = await this.tokens.authenticate(token.trim());
    if (!p || (p.role !== TokenRole.ADMIN && p.role !== TokenRole.RESPONDER)) return null;
    return this.open(p);
  }

  /** A new session for someone already authenticated (a token, or an OpenID Connect sign-in). */
  async open(p: { name: string; role: TokenRole; tokenId: string }): Promise<{ sid: string; session: ConsoleSession }> {
    const sid = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      name: p.name,
      role: p.role,
      tokenId: p.tokenId,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: new Date(Date.now() + this.ttlMs),
    };
    await this.ds.query(`DELETE FROM console_sessions WHERE expires_at < now()`);
    await this.ds.query(
      `INSERT INTO console_sessions (id_hash, token_id, name, role, csrf, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [hash(sid), session.tokenId, session.name, session.role, session.csrf, session.expiresAt],
    );
    return { sid, session };
  }

  async get(sid: string | undefined): Promise<ConsoleSession | null> {
    if (!sid || sid.length > 100) return null;
    const rows: ConsoleSession[] = await this.ds.query(
      `SELECT name, role, token_id AS "tokenId", csrf, expires_at AS "expiresAt"
         FROM console_sessions WHERE id_hash = $1 AND expires_at > now()`,
      [hash(sid)],
    );
    return rows[0] ?? null;
  }

  async signOut(sid: string | undefined): Promise<void> {
    if (sid) await this.ds.query(`DELETE FROM console_sessions WHERE id_hash = $1`, [hash(sid)]);
  }
}

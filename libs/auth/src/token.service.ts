import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { APP_CONFIG, DomainException, type AppConfig } from '@sg/common';
import { ApiTokenEntity } from './api-token.entity';
import { TokenRole } from './role';
import { hashToken, newToken, sameHash } from './token-hash';

export interface Principal {
  tokenId: string;
  name: string;
  role: TokenRole;
}

const CACHE_MS = 30_000;

/**
 * Resolves bearer tokens to principals. ADMIN_TOKEN (from the environment) bootstraps the first
 * admin; every other token lives hashed in PostgreSQL. Lookups are cached briefly so ingestion
 * does not hit the database per request; a revoked token stops working within CACHE_MS.
 */
@Injectable()
export class TokenService {
  private readonly adminHash: string | null;
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly active = new Map<string, { active: boolean; until: number }>();

  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    @Inject(APP_CONFIG) cfg: AppConfig,
  ) {
    this.adminHash = cfg.ADMIN_TOKEN ? hashToken(cfg.ADMIN_TOKEN) : null;
  }

  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    if (this.adminHash && sameHash(hash, this.adminHash)) {
      return { tokenId: 'bootstrap', name: 'ADMIN_TOKEN', role: TokenRole.ADMIN };
    }
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const row = await this.tokens.findOne({ where: { tokenHash: hash, revokedAt: IsNull() } });
    const principal = row ? { tokenId: row.id, name: row.name, role: row.role } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_MS });
    if (row) void this.tokens.update(row.id, { lastUsedAt: new Date() }).catch(() => undefined);
    return principal;
  }

  /** Creates a token; the plain token is returned once and never stored. */
  async create(name: string, role: TokenRole): Promise<{ id: string; name: string; role: TokenRole; token: string }> {
    const token = newToken();
    const row = await this.tokens.save(this.tokens.create({ name, role, tokenHash: hashToken(token) }));
    return { id: row.id, name: row.name, role: row.role, token };
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.tokens.find({ order: { createdAt: 'ASC' } });
  }

  /**
   * Whether a token (by id) is still valid: what a session made from it (the console) checks on
   * each request. The bootstrap admin is valid while ADMIN_TOKEN is set. Answers are cached like
   * authenticate()'s, so a revoked token's sessions end within CACHE_MS (at once in this process).
   */
  async isActive(id: string): Promise<boolean> {
    if (id === 'bootstrap') return !!this.adminHash;
    const now = Date.now();
    const hit = this.active.get(id);
    if (hit && hit.until > now) return hit.active;
    const active = await this.tokens.exists({ where: { id, revokedAt: IsNull() } });
    if (this.active.size > 10_000) this.active.clear();
    this.active.set(id, { active, until: now + CACHE_MS });
    return active;
  }

  async revoke(id: string): Promise<void> {
    const r = await this.tokens.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!r.affected) throw DomainException.notFound('token', id);
    this.cache.clear();
    this.active.clear();
  }
}

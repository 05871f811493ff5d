import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { generators, Issuer, type BaseClient } from 'openid-client';
import { APP_CONFIG, type AppConfig } from '@sg/common';
import { TokenRole } from '@sg/auth';

/** What the browser keeps between the redirect to the provider and the way back (a cookie). */
export interface OidcPending {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/**
 * Console sign-in through an OpenID Connect provider (authorization code flow with PKCE, state and
 * nonce; openid-client 5, the CommonJS line of the certified client). The provider's groups claim
 * (OIDC_ROLE_CLAIM) decides the role: OIDC_ADMIN_GROUP → admin, OIDC_RESPONDER_GROUP → responder,
 * anything else is refused. Discovery happens on first use, so a provider that is down does not
 * stop the service.
 */
@Injectable()
export class ConsoleOidc {
  private readonly logger = new Logger('console-oidc');
  private client: Promise<BaseClient> | null = null;
  readonly redirectUri: string;

  constructor(@Inject(APP_CONFIG) private readonly cfg: AppConfig) {
    this.redirectUri = `${cfg.PUBLIC_URL.replace(/\/+$/, '')}/console/oidc/callback`;
  }

  get enabled(): boolean {
    return !!this.cfg.OIDC_ISSUER;
  }

  /** The provider's authorization URL and what to keep until the browser comes back. */
  async start(next: string): Promise<{ url: string; pending: OidcPending }> {
    const client = await this.getClient();
    const pending: OidcPending = {
      state: randomBytes(16).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
      verifier: generators.codeVerifier(),
      next,
    };
    const url = client.authorizationUrl({
      scope: 'openid email profile',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: generators.codeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /** Redeems the code (state, nonce, PKCE and the ID token's signature checked); the principal or why not. */
  async finish(
    params: Record<string, string>,
    pending: OidcPending,
  ): Promise<{ name: string; role: TokenRole; tokenId: string } | { refused: string }> {
    const client = await this.getClient();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.callback(this.redirectUri, params, {
        state: pending.state,
        nonce: pending.nonce,
        code_verifier: pending.verifier,
      });
      claims = tokens.claims() as Record<string, unknown>;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'OpenID Connect sign-in failed');
      return { refused: 'The sign-in at the identity provider did not complete.' };
    }
    const raw = claims[this.cfg.OIDC_ROLE_CLAIM];
    const groups = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
    const role = groups.includes(this.cfg.OIDC_ADMIN_GROUP)
      ? TokenRole.ADMIN
      : groups.includes(this.cfg.OIDC_RESPONDER_GROUP)
        ? TokenRole.RESPONDER
        : null;
    const name = String(claims.email ?? claims.preferred_username ?? claims.sub);
    if (!role)
      return { refused: `${name} is in neither ${this.cfg.OIDC_RESPONDER_GROUP} nor ${this.cfg.OIDC_ADMIN_GROUP}.` };
    return { name, role, tokenId: `oidc:${String(claims.sub)}` };
  }

  private getClient(): Promise<BaseClient> {
    this.client ??= Issuer.discover(this.cfg.OIDC_ISSUER!).then(
      (issuer) =>
        new issuer.Client({
          client_id: this.cfg.OIDC_CLIENT_ID!,
          client_secret: this.cfg.OIDC_CLIENT_SECRET!,
          redirect_uris: [this.redirectUri],
          response_types: ['code'],
        }),
    );
    // A failed discovery is tried again on the next sign-in.
    this.client.catch(() => (this.client = null));
    return this.client;
  }
}

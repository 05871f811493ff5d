import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

const b64 = (v: Buffer | string) => Buffer.from(v).toString('base64url');

/**
 * A small OpenID Connect provider for tests, on 127.0.0.1: discovery, an authorization endpoint
 * that signs in `user` at once (no login form), a token endpoint that checks the client secret,
 * the redirect URI and PKCE (S256) and issues an RS256 ID token with the nonce, and its JWKS.
 */
export class TestOidcProvider {
  user: { sub: string; email: string; groups: string[] } = { sub: 'u-1', email: 'carol@example.org', groups: [] };
  /** Every token request, as received (the tests check PKCE was used). */
  readonly tokenRequests: URLSearchParams[] = [];
  private readonly codes = new Map<string, { nonce: string; challenge: string; redirect: string }>();
  private readonly key: KeyObject;
  private readonly jwk: Record<string, unknown>;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.key = privateKey;
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  }

  static async start(clientId = 'safeguards-console', clientSecret = 'oidc-client-secret'): Promise<TestOidcProvider> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const p = new TestOidcProvider(server, issuer, clientId, clientSecret);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', issuer);
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (u.pathname === '/.well-known/openid-configuration') {
          return json(200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            token_endpoint_auth_methods_supported: ['client_secret_basic'],
            code_challenge_methods_supported: ['S256'],
          });
        }
        if (u.pathname === '/jwks') return json(200, { keys: [p.jwk] });
        if (u.pathname === '/authorize') {
          const q = u.searchParams;
          if (q.get('client_id') !== clientId || q.get('code_challenge_method') !== 'S256')
            return json(400, { error: 'invalid_request' });
          const code = randomBytes(16).toString('hex');
          p.codes.set(code, {
            nonce: q.get('nonce') ?? '',
            challenge: q.get('code_challenge') ?? '',
            redirect: q.get('redirect_uri') ?? '',
          });
          const back = new URL(q.get('redirect_uri')!);
          back.searchParams.set('code', code);
          back.searchParams.set('state', q.get('state') ?? '');
          res.writeHead(302, { location: back.toString() });
          return res.end();
        }
        if (u.pathname === '/token' && req.method === 'POST') {
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          p.tokenRequests.push(form);
          const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
          const [id, secret] = auth.split(':').map(decodeURIComponent);
          const grant = p.codes.get(form.get('code') ?? '');
          p.codes.delete(form.get('code') ?? '');
          const challenge = b64(
            createHash('sha256')
              .update(form.get('code_verifier') ?? '')
              .digest(),
          );
          if (
            id !== clientId ||
            secret !== clientSecret ||
            !grant ||
            grant.redirect !== form.get('redirect_uri') ||
            grant.challenge !== challenge
          ) {
            return json(400, { error: 'invalid_grant' });
          }
          const now = Math.floor(Date.now() / 1000);
          return json(200, {
            access_token: randomBytes(16).toString('hex'),
            token_type: 'Bearer',
            expires_in: 300,
            id_token: p.idToken({
              iss: issuer,
              aud: clientId,
              iat: now,
              exp: now + 300,
              nonce: grant.nonce,
              ...p.user,
            }),
          });
        }
        json(404, { error: 'not_found' });
      });
    });
    return p;
  }

  private idToken(claims: Record<string, unknown>): string {
    const head = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
    const body = b64(JSON.stringify(claims));
    return `${head}.${body}.${b64(sign('sha256', Buffer.from(`${head}.${body}`), this.key))}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
